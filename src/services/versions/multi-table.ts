import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { ValidationError } from '../../errors.js'
import { keyPart } from '../../keys/key-part.js'
import type { Page, PageVersion } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import type { BatchWrite } from '../plumbing/batch.js'
import { queryAll } from '../plumbing/listing.js'
import type { StoredChunk, StoredVersion, VersionAdapter, VersionFields } from './adapter.js'
import { chunkNo } from './bodies.js'
import { VersionTable } from './version-store.js'

/** What the versions need of the pages table: the page that names the current version. */
export interface PageReader {
  get(siteId: string, pageId: string): Promise<Page | null>
}

/**
 * Chunk sort keys start with `!chunk!`: they sort below ordinary version ids and carry `chunk_of`.
 * The prefix is reserved: no version id may start with it, so no version item can overwrite a chunk.
 */
const CHUNK_PREFIX = '!chunk!'
const MAX_SORT_KEY_BYTES = 1024

/**
 * `!chunk!<versionId as a key part>#<digest>#<n>`. The id is escaped (`keyPart`: no `#` left, long
 * ids hashed), so the prefix of one version's chunks is never the prefix of another's.
 */
function chunkKey(versionId: string, digest: string, index?: number): string {
  return chunkKeyOf(keyPart(versionId), digest, index)
}

/** Up to 0.2 the id was embedded unescaped: still read for ids that escaping changes. */
function legacyChunkKey(versionId: string, digest: string): string | undefined {
  const key = chunkKeyOf(versionId, digest)
  return keyPart(versionId) === versionId || Buffer.byteLength(key, 'utf8') > MAX_SORT_KEY_BYTES
    ? undefined
    : key
}

function chunkKeyOf(idPart: string, digest: string, index?: number): string {
  return `${CHUNK_PREFIX}${idPart}#${digest}#${index === undefined ? '' : chunkNo(index)}`
}

/**
 * Versions in `{prefix}versions` (HASH page_id, RANGE version_id). Chunks of large bodies share
 * the table, marked by `chunk_of` and skipped by every read; the page is read from its own table.
 */
export function multiTableVersions(ctx: MultiTableContext, pages: PageReader): VersionTable {
  const { entities, transport } = ctx
  const tableName = ctx.names.versions
  const write = (Item: Record<string, unknown>, id: string): BatchWrite => ({
    table: tableName,
    key: { page_id: Item.page_id, version_id: Item.version_id },
    item: Item,
    id,
  })
  const item = (fields: VersionFields) =>
    fields as Exclude<Parameters<typeof entities.version.put>[0], unknown[]>
  /** The chunks of `versionId` under `prefix`: rows of another version or not chunks are left out. */
  const chunksUnder = async (pageId: string, versionId: string, prefix: string) => {
    const chunks: StoredChunk[] = []
    const input = {
      TableName: tableName,
      KeyConditionExpression: '#page = :page AND begins_with(#version, :prefix)',
      ExpressionAttributeNames: { '#page': 'page_id', '#version': 'version_id' },
      ExpressionAttributeValues: { ':page': pageId, ':prefix': prefix },
    }
    for await (const rows of queryAll(transport, input)) {
      for (const row of rows) {
        if (row.chunk_of !== versionId) continue
        chunks.push({ no: String(row.version_id).slice(prefix.length), data: row.data })
      }
    }
    return chunks
  }
  const adapter: VersionAdapter = {
    transport,
    assertStorable: (versions: PageVersion[], path) => {
      const message = `must not start with "${CHUNK_PREFIX}" (reserved for body chunks)`
      const issues = versions.flatMap((version, index) =>
        version.versionId.startsWith(CHUNK_PREFIX) ? [{ path: path(index), message }] : [],
      )
      if (issues.length > 0) throw new ValidationError(issues)
    },
    putVersion: async (_version, fields) => {
      await entities.version.put(item(fields)).go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    versionParams: (_version, fields) =>
      entities.version.put(item(fields)).params<{ Item: Record<string, unknown> }>(),
    versionWrite: (version, Item) => write(Item, version.versionId),
    chunkWrites: (version, digest, chunks) =>
      chunks.map((data, index) => {
        const chunk = {
          pageId: version.pageId,
          chunkKey: chunkKey(version.versionId, digest, index),
          chunkOf: version.versionId,
          siteId: version.siteId,
          data,
        }
        const { Item } = entities.versionChunk.put(chunk).params<{ Item: Record<string, unknown> }>()
        return write(Item, version.versionId)
      }),
    getStored: async (pageId, versionId) => {
      if (versionId.startsWith(CHUNK_PREFIX)) return null
      const { data } = await entities.version
        .get({ pageId, versionId })
        .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
      return (data as StoredVersion | null) ?? null
    },
    newestFirst: (pageId) => ({
      input: {
        TableName: tableName,
        KeyConditionExpression: '#page = :page',
        FilterExpression: 'attribute_not_exists(#chunkOf)',
        ExpressionAttributeNames: { '#page': 'page_id', '#chunkOf': 'chunk_of' },
        ExpressionAttributeValues: { ':page': pageId },
        ScanIndexForward: false,
      },
      keyAttributes: ['page_id', 'version_id'],
      read: (raw) =>
        String(raw.version_id).startsWith(CHUNK_PREFIX)
          ? undefined
          : (formatItem(entities.version, raw) as StoredVersion | undefined),
    }),
    readChunks: async (stored, digest) => {
      const pageId = String(stored.pageId)
      const versionId = String(stored.versionId)
      const chunks = await chunksUnder(pageId, versionId, chunkKey(versionId, digest))
      const legacy = legacyChunkKey(versionId, digest)
      if (chunks.length > 0 || legacy === undefined) return chunks
      return chunksUnder(pageId, versionId, legacy)
    },
    pageOf: (siteId, pageId) => pages.get(siteId, pageId),
  }
  return new VersionTable(adapter)
}
