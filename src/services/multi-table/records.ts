import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { fromStored } from '../../model/read.js'
import { FrontierItemSchema, PageSchema, SiteSchema } from '../../model/schemas.js'
import { isExpired } from '../frontier/frontier-store.js'
import { DOMAIN_ITEM_PREFIX, type MultiTableFrontier } from '../frontier/multi-table.js'
import type { LogicalRecord, ReadResult, RecordCodec } from '../migration-codec.js'
import { urlIndexValue } from '../pages/multi-table.js'
import { type BatchWrite, batchWrite } from '../plumbing/batch.js'
import { recordWithoutCredentials } from '../plumbing/credentials.js'
import { nullFields, snakeKeys, toStored } from '../plumbing/stored.js'
import { toRun } from '../runs/multi-table.js'
import type { StoredVersion } from '../versions/adapter.js'
import { encodeBody } from '../versions/bodies.js'
import type { VersionTable } from '../versions/version-store.js'
import type { MultiTableContext } from './context.js'

/** Documented-layout items ↔ logical records: which table an item came from says what it is. */
export function multiTableRecords(
  ctx: MultiTableContext,
  versions: VersionTable,
  frontier: MultiTableFrontier,
): RecordCodec {
  const { entities, names } = ctx

  async function read(raw: Record<string, unknown>, table: string): Promise<ReadResult[]> {
    const logical = (
      {
        [names.sites]: 'sites',
        [names.runs]: 'runs',
        [names.pages]: 'pages',
        [names.versions]: 'versions',
        [names.frontier]: 'frontier',
      } as const
    )[table]
    if (!logical) return [{ kind: 'skip' }]
    try {
      switch (logical) {
        case 'sites': {
          const item = formatItem(entities.site, raw)
          const results: ReadResult[] = []
          if (item?.name !== undefined)
            results.push(record({ table: 'sites', value: fromStored(SiteSchema, item, 'site') }))
          if (item?.pageCount !== undefined || item?.livePageCount !== undefined) {
            const value = {
              siteId: String(raw.site_id),
              total: Number(item.pageCount ?? 0),
              live: Number(item.livePageCount ?? 0),
            }
            results.push(record({ table: 'pageCounts', value }))
          }
          return results.length > 0 ? results : [{ kind: 'skip' }]
        }
        case 'runs':
          return [record({ table: 'runs', value: toRun(formatItem(entities.run, raw) ?? {}) })]
        case 'pages': {
          const { fullUrl, ...fields } = formatItem(entities.page, raw) ?? {}
          return [
            record({
              table: 'pages',
              value: fromStored(PageSchema, { ...fields, url: fullUrl ?? fields.url }, 'page'),
            }),
          ]
        }
        case 'versions': {
          if (raw.chunk_of !== undefined) return [{ kind: 'skip' }]
          const version = await versions.complete(formatItem(entities.version, raw) as StoredVersion)
          return [
            version
              ? record({ table: 'versions', value: version })
              : {
                  kind: 'invalid',
                  table: 'versions',
                  reason: 'version body incomplete (a partly written version)',
                },
          ]
        }
        case 'frontier': {
          if (isExpired(raw.ttl)) return [{ kind: 'skip', table: 'frontier' }]
          if (String(raw.item_id).startsWith(DOMAIN_ITEM_PREFIX)) return [{ kind: 'skip' }] // politeness
          const value = fromStored(FrontierItemSchema, formatItem(entities.frontier, raw), 'frontier item')
          return [
            record({ table: 'frontier', value, ...(typeof raw.ttl === 'number' ? { ttl: raw.ttl } : {}) }),
          ]
        }
      }
    } catch (error) {
      return [{ kind: 'invalid', table: logical, reason: (error as Error).message }]
    }
  }

  async function write(records: LogicalRecord[]): Promise<void> {
    const writes: BatchWrite[] = []
    const put = (table: string, keys: string[], params: { Item: Record<string, unknown> }, id: string) =>
      writes.push({
        table,
        key: Object.fromEntries(keys.map((k) => [k, params.Item[k]])),
        item: params.Item,
        id,
      })
    for (const r of records) {
      switch (r.table) {
        case 'sites': {
          // An update, not a put: the site item also holds the page counters.
          const { siteId, ...fields } = r.value
          const update = entities.site.update({ siteId }).set(toStored(fields))
          const removed = nullFields(fields)
          if (removed.length > 0) update.remove(removed)
          await update.go({ ...ORIGINAL_ERRORS, response: 'none' })
          break
        }
        case 'pageCounts':
          await entities.site
            .update({ siteId: r.value.siteId })
            .set({ pageCount: r.value.total, livePageCount: r.value.live })
            .go({ ...ORIGINAL_ERRORS, response: 'none' })
          break
        case 'runs':
          put(
            names.runs,
            ['site_id', 'run_id'],
            entities.run.put({ ...toStored(r.value), stats: snakeKeys(r.value.stats) }).params(),
            r.value.runId,
          )
          break
        case 'pages': {
          const indexUrl = urlIndexValue(r.value.url)
          const attributes = {
            ...toStored(r.value),
            url: indexUrl,
            ...(indexUrl === r.value.url ? {} : { fullUrl: r.value.url }),
          }
          put(names.pages, ['site_id', 'page_id'], entities.page.put(attributes).params(), r.value.pageId)
          break
        }
        case 'versions':
          if (encodeBody(r.value).encoding === 'gzip-chunked') await versions.write(r.value)
          else put(names.versions, ['page_id', 'version_id'], versions.itemParams(r.value), r.value.versionId)
          break
        case 'frontier':
          put(
            names.frontier,
            ['run_id', 'item_id'],
            entities.frontier.put(frontier.attributes(r.value, r.ttl)).params(),
            r.value.itemId,
          )
          break
      }
    }
    await batchWrite(ctx.transport, writes, { idLabel: 'record' })
  }

  return {
    tables: [
      { name: names.sites, keys: ['site_id'] },
      { name: names.runs, keys: ['site_id', 'run_id'] },
      { name: names.pages, keys: ['site_id', 'page_id'] },
      { name: names.versions, keys: ['page_id', 'version_id'] },
      { name: names.frontier, keys: ['run_id', 'item_id'] },
    ],
    read,
    write,
  }
}

function record(r: LogicalRecord): ReadResult {
  return { kind: 'record', record: recordWithoutCredentials(r) }
}
