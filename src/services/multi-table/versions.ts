import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { IdSchema } from '../../model/ids.js'
import { type Page, type PageVersion, type PageVersionInput, PageVersionSchema } from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import { type BatchWrite, batchWrite } from '../shared/batch.js'
import { chunkNo, encodeBody, PAYLOAD_FIELDS, type StoredBody } from '../shared/bodies.js'
import { type ListOptions, type ListResult, queryAll, queryPage } from '../shared/listing.js'
import { toStored } from '../shared/stored.js'
import { assembleVersion, type StoredVersion, saveVersionsInBatches } from '../shared/versions.js'
import type { PageStore, VersionStore } from '../stores.js'
import type { MultiTableContext } from './context.js'

const TABLE_KEYS = ['page_id', 'version_id'] as const
/** Chunk sort keys start with `!chunk!`: they sort below ordinary version ids and carry `chunk_of`. */
const CHUNK_PREFIX = '!chunk!'

function chunkKey(versionId: string, digest: string, index?: number): string {
  return `${CHUNK_PREFIX}${versionId}#${digest}#${index === undefined ? '' : chunkNo(index)}`
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

  async save(input: PageVersionInput): Promise<PageVersion> {
    const version = validate(PageVersionSchema, input, 'version')
    await this.write(version)
    return version
  }

  async write(version: PageVersion): Promise<void> {
    const body = encodeBody(version)
    if (body.encoding === 'gzip-chunked') {
      await batchWrite(this.ctx.transport, this.chunkWrites(version, body), { idLabel: 'versionId' })
    }
    await this.ctx.entities.version.put(this.item(version, body)).go({ ...ORIGINAL_ERRORS, response: 'none' })
  }

  async saveBulk(inputs: PageVersionInput[]): Promise<number> {
    const versions = validate(z.array(PageVersionSchema), inputs, 'versions')
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
    const page = validate(IdSchema, pageId, 'pageId')
    const id = validate(IdSchema, versionId, 'versionId')
    const { data } = await this.ctx.entities.version
      .get({ pageId: page, versionId: id })
      .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
    return data ? ((await this.complete(data as StoredVersion)) ?? null) : null
  }

  async current(pageId: string): Promise<PageVersion | null> {
    const { items } = await this.list(pageId, { limit: 1 })
    return items[0] ?? null
  }

  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> {
    const page = validate(IdSchema, pageId, 'pageId')
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
          const item = formatItem(this.ctx.entities.version, raw)
          return item ? this.complete(item as StoredVersion) : undefined
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
    return assembleVersion(item, async (digest) => {
      const parts: Uint8Array[] = []
      const input = {
        TableName: this.ctx.names.versions,
        KeyConditionExpression: '#page = :page AND begins_with(#version, :prefix)',
        ExpressionAttributeNames: { '#page': 'page_id', '#version': 'version_id' },
        ExpressionAttributeValues: {
          ':page': String(item.pageId),
          ':prefix': chunkKey(String(item.versionId), digest),
        },
      }
      for await (const rows of queryAll(this.ctx.transport, input))
        for (const row of rows) parts.push(row.data as Uint8Array)
      return parts
    })
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
