import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { PageSchema, type PageVersion } from '../../model/schemas.js'
import { type BatchWrite, batchWrite } from '../plumbing/batch.js'
import { type ListOptions, type ListResult, pageSize, queryAll, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import { chunkNo, encodeBody, PAYLOAD_FIELDS, type StoredBody } from '../shared/bodies.js'
import {
  assembleVersion,
  currentViaNewest,
  namedVersion,
  type ReadStored,
  type StoredChunk,
  type StoredVersion,
  saveVersionsInBatches,
  type VersionReads,
} from '../shared/versions.js'
import { KEYS, type SingleTableContext } from './context.js'

/**
 * Versions: by id (GetItem), newest first and current (one Query of the page's partition), bodies
 * of any size (inline, gzipped, or gzipped and split into chunk items written before the version).
 */
export class SingleTableVersions {
  constructor(private readonly ctx: SingleTableContext) {}

  async save(version: PageVersion): Promise<PageVersion> {
    await this.write(version)
    return version
  }

  /** Chunks first, the version item last: a version item never exists without all of its body. */
  async write(version: PageVersion): Promise<void> {
    const body = encodeBody(version)
    if (body.encoding === 'gzip-chunked') {
      await batchWrite(this.ctx.transport, this.chunkWrites(version, body), { idLabel: 'versionId' })
    }
    await this.ctx.entities.version.put(this.item(version, body)).go({ ...ORIGINAL_ERRORS, response: 'none' })
  }

  async saveBulk(versions: PageVersion[]): Promise<number> {
    return saveVersionsInBatches(
      this.ctx.transport,
      versions,
      (version) => this.write(version),
      (version) => {
        const { Item } = this.itemParams(version)
        return { table: this.ctx.table, key: { pk: Item.pk, sk: Item.sk }, item: Item, id: version.versionId }
      },
    )
  }

  async get(pageId: string, versionId: string): Promise<PageVersion | null> {
    const pageKey = keyPart(pageId)
    const versionKey = keyPart(versionId)
    const { data } = await this.ctx.entities.version.get({ pageKey, versionKey }).go(ORIGINAL_ERRORS)
    return data ? ((await this.complete(data as StoredVersion)) ?? null) : null
  }

  /**
   * The version the page names. One Query of the `pageVersions` collection, descending, gives the
   * page and the newest version; a GetItem more when the page names an older one. When pages of
   * several sites share the id (never with `pageIdFor` ids), the newest version's site decides.
   */
  async current(pageId: string): Promise<PageVersion | null> {
    const pageKey = keyPart(pageId)
    const { data } = await this.ctx.service.collections
      .pageVersions({ pageKey })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 2, pages: 1 })
    if (data.page.length === 0) return null
    const reads = this.reads(pageId)
    if (data.page.length === 1) return namedVersion(data.page[0]!.currentVersionId, data.version[0], reads)
    const { items } = await this.query(pageId, (item) => item, { limit: 1 })
    return currentViaNewest(items[0], (siteId) => this.pageOf(siteId, pageId), reads)
  }

  private reads(pageId: string): VersionReads {
    return { complete: (item) => this.complete(item), get: (id) => this.get(pageId, id) }
  }

  private async pageOf(siteId: string, pageId: string) {
    const siteKey = keyPart(siteId)
    const { data } = await this.ctx.entities.page
      .get({ pageKey: keyPart(pageId), siteKey })
      .go(ORIGINAL_ERRORS)
    return data
  }

  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> {
    return this.query(pageId, (item) => this.complete(item), options)
  }

  /** The page's versions newest first, each read with `read`. */
  private query<T>(pageId: string, read: ReadStored<T>, options?: ListOptions): Promise<ListResult<T>> {
    const pageKey = keyPart(pageId)
    const version = this.ctx.entities.version
    return queryPage(
      this.ctx.transport,
      {
        input: version.query.byId({ pageKey }).params({ order: 'desc' }),
        keyAttributes: KEYS.primary,
        read: (raw) => {
          const item = formatItem(version, raw)
          return item ? read(item as StoredVersion) : undefined
        },
      },
      options,
    )
  }

  /** The page and its newest versions: one Query of the page's `pageVersions` collection. */
  async pageWithVersions(siteId: string, pageId: string, limit: number) {
    const site = siteId
    const pageKey = keyPart(pageId)
    const size = pageSize({ limit })
    const { data } = await this.ctx.service.collections
      .pageVersions({ pageKey })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: size + 2, pages: 1 })
    const versions: PageVersion[] = []
    for (const item of data.version) {
      const version = await this.complete(item as StoredVersion)
      if (version) versions.push(version)
    }
    const page = data.page.find((candidate) => candidate.siteId === site)
    return { page: page ? fromStored(PageSchema, page, 'page') : null, versions: versions.slice(0, size) }
  }

  complete(item: StoredVersion): Promise<PageVersion | undefined> {
    return assembleVersion(item, (digest) => this.readChunks(item, digest))
  }

  private async readChunks(fields: Record<string, unknown>, digest: string): Promise<StoredChunk[]> {
    const pageKey = keyPart(String(fields.pageId))
    const versionKey = keyPart(String(fields.versionId))
    const chunk = this.ctx.entities.versionChunk
    const prefix = `${digest}.`
    const input = chunk.query.byId({ pageKey, versionKey }).begins({ chunkNo: prefix }).params()
    const chunks: StoredChunk[] = []
    for await (const rows of queryAll(this.ctx.transport, input)) {
      for (const row of rows) {
        const item = formatItem(chunk, row)
        if (typeof item?.chunkNo !== 'string' || !item.chunkNo.startsWith(prefix)) continue
        chunks.push({ no: item.chunkNo.slice(prefix.length), data: item.data })
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
      pageKey: keyPart(version.pageId),
      versionKey: keyPart(version.versionId),
      siteKey: keyPart(version.siteId),
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
          pageKey: keyPart(version.pageId),
          versionKey: keyPart(version.versionId),
          siteKey: keyPart(version.siteId),
          chunkNo: `${body.digest}.${chunkNo(index)}`,
          data,
        })
        .params<{ Item: Record<string, unknown> }>()
      return { table: this.ctx.table, key: { pk: Item.pk, sk: Item.sk }, item: Item, id: version.versionId }
    })
  }
}
