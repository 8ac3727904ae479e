import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { keyPart } from '../../keys/key-part.js'
import { IdSchema } from '../../model/ids.js'
import { fromStored } from '../../model/read.js'
import {
  PageSchema,
  type PageVersion,
  type PageVersionInput,
  PageVersionSchema,
} from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import { type BatchWrite, batchWrite } from '../shared/batch.js'
import { chunkNo, encodeBody, PAYLOAD_FIELDS, type StoredBody } from '../shared/bodies.js'
import { type ListOptions, type ListResult, pageSize, queryAll, queryPage } from '../shared/listing.js'
import { toStored } from '../shared/stored.js'
import { assembleVersion, type StoredVersion, saveVersionsInBatches } from '../shared/versions.js'
import { KEYS, type SingleTableContext } from './context.js'

/**
 * Versions: by id (GetItem), newest first and current (one Query of the page's partition), bodies
 * of any size (inline, gzipped, or gzipped and split into chunk items written before the version).
 */
export class SingleTableVersions {
  constructor(private readonly ctx: SingleTableContext) {}

  async save(input: PageVersionInput): Promise<PageVersion> {
    const version = validate(PageVersionSchema, input, 'version')
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

  async saveBulk(inputs: PageVersionInput[]): Promise<number> {
    const versions = validate(z.array(PageVersionSchema), inputs, 'versions')
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
    const pageKey = keyPart(validate(IdSchema, pageId, 'pageId'))
    const versionKey = keyPart(validate(IdSchema, versionId, 'versionId'))
    const { data } = await this.ctx.entities.version.get({ pageKey, versionKey }).go(ORIGINAL_ERRORS)
    return data ? ((await this.complete(data as StoredVersion)) ?? null) : null
  }

  async current(pageId: string): Promise<PageVersion | null> {
    const { items } = await this.list(pageId, { limit: 1 })
    return items[0] ?? null
  }

  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> {
    const pageKey = keyPart(validate(IdSchema, pageId, 'pageId'))
    const version = this.ctx.entities.version
    return queryPage(
      this.ctx.transport,
      {
        input: version.query.byId({ pageKey }).params({ order: 'desc' }),
        keyAttributes: KEYS.primary,
        read: (raw) => {
          const item = formatItem(version, raw)
          return item ? this.complete(item as StoredVersion) : undefined
        },
      },
      options,
    )
  }

  /** The page and its newest versions: one Query of the page's `pageVersions` collection. */
  async pageWithVersions(siteId: string, pageId: string, limit: number) {
    const site = validate(IdSchema, siteId, 'siteId')
    const pageKey = keyPart(validate(IdSchema, pageId, 'pageId'))
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

  private async readChunks(fields: Record<string, unknown>, digest: string): Promise<Uint8Array[]> {
    const pageKey = keyPart(String(fields.pageId))
    const versionKey = keyPart(String(fields.versionId))
    const chunk = this.ctx.entities.versionChunk
    const input = chunk.query
      .byId({ pageKey, versionKey })
      .begins({ chunkNo: `${digest}.` })
      .params()
    const parts: Uint8Array[] = []
    for await (const items of queryAll(this.ctx.transport, input)) {
      for (const { data } of chunk.parse({ Items: items }).data) parts.push(data as Uint8Array)
    }
    return parts
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
