import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { crawlOrderKey, keyPart, unescapeKeyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { CrawlRunSchema, FrontierItemSchema, type Page, PageSchema, SiteSchema } from '../../model/schemas.js'
import { isExpired } from '../frontier/frontier-store.js'
import type { SingleTableFrontier } from '../frontier/single-table.js'
import type { LogicalRecord, ReadResult, RecordCodec } from '../migration-codec.js'
import { counterKeys, sumCounts } from '../pages/single-table.js'
import { type BatchWrite, batchGet, batchWrite } from '../plumbing/batch.js'
import { recordWithoutCredentials } from '../plumbing/credentials.js'
import { toStored } from '../plumbing/stored.js'
import type { StoredVersion } from '../versions/adapter.js'
import { encodeBody } from '../versions/bodies.js'
import type { VersionTable } from '../versions/version-store.js'
import type { SingleTableContext } from './context.js'

const ENTITY_TABLES = {
  site: 'sites',
  run: 'runs',
  webpage: 'pages',
  version: 'versions',
  frontier: 'frontier',
} as const

/** Single-table items ↔ logical records: each item says its entity in `__edb_e__`. */
export function singleTableRecords(
  ctx: SingleTableContext,
  versions: VersionTable,
  frontier: SingleTableFrontier,
): RecordCodec {
  const { entities } = ctx

  async function read(raw: Record<string, unknown>): Promise<ReadResult> {
    const entity = String(raw.__edb_e__ ?? '')
    const table = ENTITY_TABLES[entity as keyof typeof ENTITY_TABLES] ?? 'unknown'
    try {
      switch (entity) {
        case 'site':
          return record({
            table: 'sites',
            value: fromStored(SiteSchema, formatItem(entities.site, raw), 'site'),
          })
        case 'run':
          return record({
            table: 'runs',
            value: fromStored(CrawlRunSchema, formatItem(entities.run, raw), 'run'),
          })
        case 'webpage':
          return record({
            table: 'pages',
            value: fromStored(PageSchema, formatItem(entities.page, raw), 'page'),
          })
        case 'version': {
          const version = await versions.complete(formatItem(entities.version, raw) as StoredVersion)
          return version
            ? record({ table: 'versions', value: version })
            : { kind: 'invalid', table, reason: 'version body incomplete (a partly written version)' }
        }
        case 'frontier': {
          if (isExpired(raw.ttl)) return { kind: 'skip', table: 'frontier' }
          const value = fromStored(FrontierItemSchema, formatItem(entities.frontier, raw), 'frontier item')
          return record({
            table: 'frontier',
            value,
            ...(typeof raw.ttl === 'number' ? { ttl: raw.ttl } : {}),
          })
        }
        case 'pagecount':
        case 'pagecountshard': {
          // A site's counts are the sum of its counter items: the record is read in full at the
          // site's lowest counter item, and its other items are skipped.
          const siteId = await siteIdOfCounter(raw)
          if (siteId === undefined) return { kind: 'skip' }
          const shard = entity === 'pagecount' ? 0 : Number(raw.counterShard)
          const keys = counterKeys(ctx, siteId)
          const { items, unread, lastError } = await batchGet(
            ctx.transport,
            ctx.table,
            keys.map(({ key }) => key),
            { consistent: true, projection: ['total', 'live'] },
          )
          if (unread.length > 0) throw lastError ?? new Error('counter items left unread')
          const present = keys.filter(({ key }) =>
            items.some((item) => item.pk === key.pk && item.sk === key.sk),
          )
          if (present[0]?.shard !== shard) return { kind: 'skip' }
          const counts = sumCounts(items)
          return record({
            table: 'pageCounts',
            value: { siteId, total: counts.total ?? 0, live: counts.live ?? 0 },
          })
        }
        default:
          return { kind: 'skip' } // version chunks (read with their version), locks
      }
    } catch (error) {
      return { kind: 'invalid', table, reason: (error as Error).message }
    }
  }

  /** The counter item holds only the site's key; its site item (same partition) has the plain id. */
  async function siteIdOfCounter(raw: Record<string, unknown>): Promise<string | undefined> {
    if (typeof raw.siteId === 'string') return raw.siteId
    const siteKey = String(raw.siteKey ?? '')
    const { data } = await entities.site.get({ siteKey }).go(ORIGINAL_ERRORS)
    return data?.siteId ?? unescapeKeyPart(siteKey)
  }

  async function write(records: LogicalRecord[]): Promise<void> {
    const writes: BatchWrite[] = []
    const put = (params: { Item: Record<string, unknown> }, id: string) =>
      writes.push({
        table: ctx.table,
        key: { pk: params.Item.pk, sk: params.Item.sk },
        item: params.Item,
        id,
      })
    for (const r of records) {
      switch (r.table) {
        case 'sites':
          put(
            entities.site.put({ ...toStored(r.value), siteKey: keyPart(r.value.siteId) }).params(),
            r.value.siteId,
          )
          break
        case 'runs':
          put(
            entities.run
              .put({ ...toStored(r.value), runKey: keyPart(r.value.runId), siteKey: keyPart(r.value.siteId) })
              .params(),
            r.value.runId,
          )
          break
        case 'pages':
          put(entities.page.put(pageAttributes(r.value)).params(), r.value.pageId)
          break
        case 'versions':
          if (encodeBody(r.value).encoding === 'gzip-chunked') await versions.write(r.value)
          else put(versions.itemParams(r.value), r.value.versionId)
          break
        case 'frontier':
          put(entities.frontier.put(frontier.attributes(r.value, r.ttl)).params(), r.value.itemId)
          break
        case 'pageCounts':
          // The counts go to shard 0; any other counter item of the site is cleared.
          put(
            entities.pageCount
              .put({ siteKey: keyPart(r.value.siteId), total: r.value.total, live: r.value.live })
              .params(),
            `${r.value.siteId} counts`,
          )
          for (const { shard, key } of counterKeys(ctx, r.value.siteId).slice(1)) {
            writes.push({ table: ctx.table, key, id: `${r.value.siteId} counts ${shard}` })
          }
          break
      }
    }
    await batchWrite(ctx.transport, writes, { idLabel: 'record' })
  }

  return { tables: [{ name: ctx.table, keys: ['pk', 'sk'] }], read: async (raw) => [await read(raw)], write }
}

/** Every attribute of a page item, revision included (a put, for copying a page as it is). */
function pageAttributes(page: Page) {
  return {
    ...toStored(page),
    pageKey: keyPart(page.pageId),
    siteKey: keyPart(page.siteId),
    siteScope: keyPart(page.siteId),
    urlKey: keyPart(page.url),
    lifeState: page.isTombstone ? ('tombstone' as const) : ('live' as const),
    crawlOrder: crawlOrderKey(page.lastCrawled),
  }
}

function record(r: LogicalRecord): ReadResult {
  return { kind: 'record', record: recordWithoutCredentials(r) }
}
