import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { ValidationError } from '../../errors.js'
import { keyPart } from '../../keys/key-part.js'
import type { Page, PageVersion } from '../../model/schemas.js'
import type { PageStore, VersionStore } from '../layout.js'
import { type BatchWrite, batchWrite } from '../plumbing/batch.js'
import { type ListOptions, type ListResult, queryAll, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import { chunkNo, encodeBody, PAYLOAD_FIELDS, type StoredBody } from '../shared/bodies.js'
import {
  assembleVersion,
  currentViaNewest,
  type ReadStored,
  type StoredChunk,
  type StoredVersion,
  saveVersionsInBatches,
} from '../shared/versions.js'
import type { MultiTableContext } from './context.js'

const TABLE_KEYS = ['page_id', 'version_id'] as const
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

/** A version id must not be a chunk key (their prefix is reserved), checked before any write. */
function assertNotChunkKey(versions: PageVersion[], path: (index: number) => string): void {
  const issues = versions.flatMap((version, index) =>
    version.versionId.startsWith(CHUNK_PREFIX)
      ? [{ path: path(index), message: `must not start with "${CHUNK_PREFIX}" (reserved for body chunks)` }]
      : [],
  )
  if (issues.length > 0) throw new ValidationError(issues)
}

/**
 * Versions in `{prefix}versions` (HASH page_id, RANGE version_id): by id (GetItem), newest first
 * and current (Query of the page's partition, descending). Chunks of large bodies share the table,
 * marked by `chunk_of` and skipped by every read.
 */
export class MultiTableVersions implements VersionStore {
  constructor(
    private readonly ctx: MultiTableContext,
    private readonly pages: PageStore,
  ) {}

  async save(version: PageVersion): Promise<PageVersion> {
    await this.write(version)
    return version
  }

  async write(version: PageVersion): Promise<void> {
    assertNotChunkKey([version], () => 'version.versionId')
    const body = encodeBody(version)
    if (body.encoding === 'gzip-chunked') {
      await batchWrite(this.ctx.transport, this.chunkWrites(version, body), { idLabel: 'versionId' })
    }
    await this.ctx.entities.version.put(this.item(version, body)).go({ ...ORIGINAL_ERRORS, response: 'none' })
  }

  async saveBulk(versions: PageVersion[]): Promise<number> {
    assertNotChunkKey(versions, (index) => `versions.${index}.versionId`)
    return saveVersionsInBatches(
      this.ctx.transport,
      versions,
      (version) => this.write(version),
      (version) => {
        const { Item } = this.itemParams(version)
        return {
          table: this.ctx.names.versions,
          key: { page_id: Item.page_id, version_id: Item.version_id },
          item: Item,
          id: version.versionId,
        }
      },
    )
  }

  async get(pageId: string, versionId: string): Promise<PageVersion | null> {
    const page = pageId
    const id = versionId
    if (id.startsWith(CHUNK_PREFIX)) return null
    const { data } = await this.ctx.entities.version
      .get({ pageId: page, versionId: id })
      .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
    return data ? ((await this.complete(data as StoredVersion)) ?? null) : null
  }

  /**
   * The version the page names: the newest version (one Query) gives the page's site, the page
   * (GetItem) its `currentVersionId`, and that version is the newest one or a GetItem more. When
   * pages of several sites share the id (never with `pageIdFor` ids), the newest version's site decides.
   */
  async current(pageId: string): Promise<PageVersion | null> {
    const { items } = await this.query(pageId, (item) => item, { limit: 1 })
    return currentViaNewest(items[0], (siteId) => this.pages.get(siteId, pageId), {
      complete: (item) => this.complete(item),
      get: (id) => this.get(pageId, id),
    })
  }

  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> {
    return this.query(pageId, (item) => this.complete(item), options)
  }

  /** The page's versions newest first, chunks (and any item keyed like one) left out. */
  private query<T>(page: string, read: ReadStored<T>, options?: ListOptions): Promise<ListResult<T>> {
    return queryPage(
      this.ctx.transport,
      {
        input: {
          TableName: this.ctx.names.versions,
          KeyConditionExpression: '#page = :page',
          FilterExpression: 'attribute_not_exists(#chunkOf)',
          ExpressionAttributeNames: { '#page': 'page_id', '#chunkOf': 'chunk_of' },
          ExpressionAttributeValues: { ':page': page },
          ScanIndexForward: false,
        },
        keyAttributes: TABLE_KEYS,
        read: (raw) => {
          if (String(raw.version_id).startsWith(CHUNK_PREFIX)) return undefined
          const item = formatItem(this.ctx.entities.version, raw)
          return item ? read(item as StoredVersion) : undefined
        },
      },
      options,
    )
  }

  /** Two requests in parallel: the documented layout keeps pages and versions in separate tables. */
  async pageWithVersions(
    siteId: string,
    pageId: string,
    limit: number,
  ): Promise<{ page: Page | null; versions: PageVersion[] }> {
    const [page, versions] = await Promise.all([this.pages.get(siteId, pageId), this.list(pageId, { limit })])
    return { page, versions: versions.items }
  }

  complete(item: StoredVersion): Promise<PageVersion | undefined> {
    const versionId = String(item.versionId)
    return assembleVersion(item, async (digest) => {
      const chunks = await this.readChunks(String(item.pageId), versionId, chunkKey(versionId, digest))
      const legacy = legacyChunkKey(versionId, digest)
      if (chunks.length > 0 || legacy === undefined) return chunks
      return this.readChunks(String(item.pageId), versionId, legacy)
    })
  }

  /** The chunks of `versionId` under `prefix`: rows of another version or not chunks are left out. */
  private async readChunks(pageId: string, versionId: string, prefix: string): Promise<StoredChunk[]> {
    const chunks: StoredChunk[] = []
    const input = {
      TableName: this.ctx.names.versions,
      KeyConditionExpression: '#page = :page AND begins_with(#version, :prefix)',
      ExpressionAttributeNames: { '#page': 'page_id', '#version': 'version_id' },
      ExpressionAttributeValues: { ':page': pageId, ':prefix': prefix },
    }
    for await (const rows of queryAll(this.ctx.transport, input)) {
      for (const row of rows) {
        if (row.chunk_of !== versionId) continue
        chunks.push({ no: String(row.version_id).slice(prefix.length), data: row.data })
      }
    }
    return chunks
  }

  /** The PutItem params of a version whose body fits in its item (inline or gzip). */
  itemParams(version: PageVersion) {
    return this.ctx.entities.version
      .put(this.item(version, encodeBody(version)))
      .params<{ Item: Record<string, unknown> }>()
  }

  private item(version: PageVersion, body: StoredBody) {
    const stored: Record<string, unknown> = toStored(version)
    if (body.encoding !== 'inline') for (const field of PAYLOAD_FIELDS) delete stored[field]
    return {
      ...(stored as ReturnType<typeof toStored<PageVersion>>),
      bodyEncoding: body.encoding,
      ...(body.encoding === 'gzip' ? { bodyData: body.data, bodyDigest: body.digest } : {}),
      ...(body.encoding === 'gzip-chunked'
        ? { bodyChunks: body.chunks.length, bodyDigest: body.digest }
        : {}),
    }
  }

  private chunkWrites(
    version: PageVersion,
    body: Extract<StoredBody, { encoding: 'gzip-chunked' }>,
  ): BatchWrite[] {
    return body.chunks.map((data, index) => {
      const { Item } = this.ctx.entities.versionChunk
        .put({
          pageId: version.pageId,
          chunkKey: chunkKey(version.versionId, body.digest, index),
          chunkOf: version.versionId,
          siteId: version.siteId,
          data,
        })
        .params<{ Item: Record<string, unknown> }>()
      return {
        table: this.ctx.names.versions,
        key: { page_id: Item.page_id, version_id: Item.version_id },
        item: Item,
        id: version.versionId,
      }
    })
  }
}
