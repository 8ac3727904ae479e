import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { entityKey, entityPut } from '../../entities/entity-requests.js'
import { formatItem } from '../../entities/format-item.js'
import { keyPart } from '../../keys/key-part.js'
import { PageSchema, type PageVersion } from '../../model/schemas.js'
import type { BatchWrite } from '../plumbing/batch.js'
import { queryAll } from '../plumbing/listing.js'
import { readModel } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import type { StoredChunk, StoredVersion, VersionAdapter, VersionFields } from './adapter.js'
import { chunkNo } from './bodies.js'
import { VersionTable } from './version-store.js'

/** Versions in the page's partition (`pageVersions` collection), chunks under the version's key. */
export function singleTableVersions(ctx: SingleTableContext): VersionTable {
  const { entities, transport, table } = ctx
  const write = (Item: Record<string, unknown>, id: string): BatchWrite => ({
    table,
    key: { pk: Item.pk, sk: Item.sk },
    item: Item,
    id,
  })
  const keys = (version: PageVersion) => ({
    pageKey: keyPart(version.pageId),
    versionKey: keyPart(version.versionId),
    siteKey: keyPart(version.siteId),
  })
  const item = (version: PageVersion, fields: VersionFields) =>
    ({ ...fields, ...keys(version) }) as Exclude<Parameters<typeof entities.version.put>[0], unknown[]>
  const adapter: VersionAdapter = {
    transport,
    assertStorable: () => {},
    putVersion: async (version, fields) => {
      await transport.send(new PutCommand(entityPut(entities.version, item(version, fields))))
    },
    versionParams: (version, fields) =>
      entityPut(entities.version, item(version, fields)) as { Item: Record<string, unknown> },
    versionWrite: (version, Item) => write(Item, version.versionId),
    chunkWrites: (version, digest, chunks) =>
      chunks.map((data, index) => {
        const chunk = { ...keys(version), chunkNo: `${digest}.${chunkNo(index)}`, data }
        const { Item } = entityPut(entities.versionChunk, chunk)
        return write(Item!, version.versionId)
      }),
    getStored: async (pageId, versionId) => {
      const key = { pageKey: keyPart(pageId), versionKey: keyPart(versionId) }
      const { data } = await entities.version.get(key).go(ORIGINAL_ERRORS)
      return (data as StoredVersion | null) ?? null
    },
    newestFirst: (pageId) => ({
      input: entities.version.query.byId({ pageKey: keyPart(pageId) }).params({ order: 'desc' }),
      keyAttributes: KEYS.primary,
      read: (raw) => formatItem(entities.version, raw) as StoredVersion | undefined,
    }),
    readChunks: async (item, digest) => {
      const key = { pageKey: keyPart(String(item.pageId)), versionKey: keyPart(String(item.versionId)) }
      const prefix = `${digest}.`
      const input = entities.versionChunk.query.byId(key).begins({ chunkNo: prefix }).params()
      const chunks: StoredChunk[] = []
      for await (const rows of queryAll(transport, input)) {
        for (const row of rows) {
          const chunk = formatItem(entities.versionChunk, row)
          if (typeof chunk?.chunkNo !== 'string' || !chunk.chunkNo.startsWith(prefix)) continue
          chunks.push({ no: chunk.chunkNo.slice(prefix.length), data: chunk.data })
        }
      }
      return chunks
    },
    pageOf: async (siteId, pageId) => {
      const key = entityKey(entities.page, { pageKey: keyPart(pageId), siteKey: keyPart(siteId) })
      const { Item } = (await transport.send(new GetCommand({ TableName: table, Key: key }))) as {
        Item?: Record<string, unknown>
      }
      return (Item && readModel(entities.page, PageSchema, Item, 'page')) ?? null
    },
    pageAndNewest: async (pageId, limit) => {
      const { data } = await ctx.service.collections
        .pageVersions({ pageKey: keyPart(pageId) })
        .go({ ...ORIGINAL_ERRORS, order: 'desc', limit, pages: 1 })
      return { pages: data.page, versions: data.version as StoredVersion[] }
    },
  }
  return new VersionTable(adapter)
}
