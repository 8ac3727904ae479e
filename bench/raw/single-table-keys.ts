import type { Page, PageVersion } from '../../src/index.js'
import { crawlOrderKey, keyPart } from '../../src/keys/key-part.js'
import { singleTableService } from '../../src/services/single-table/service.js'

/**
 * The single-table layout's keys and key attributes, taken from the library's own ElectroDB
 * entities: each is built once, at load, with marked placeholder composites and split at the
 * marks, so a call only concatenates strings (no ElectroDB work per call on the raw side) and a
 * change of the key design reaches the raw side by itself. The equivalence checks of the overhead
 * section compare the items and requests of both sides.
 */

/** Params are only built here, never sent. */
const NO_CLIENT = { send: () => Promise.reject(new Error('key templates are built, never sent')) }
const entities = singleTableService('key-templates', NO_CLIENT).entities

const MARK = '\u0001'
/** A composite's placeholder: `MARK name MARK`, split out again by `template`. */
const slot = (name: string) => `${MARK}${name}${MARK}`

type Values = Record<string, string>
type Fill = (values: Values) => string

/** A string ElectroDB built from placeholders, as a function of the composites' values. */
function template(built: unknown): Fill {
  if (typeof built !== 'string') throw new Error(`not a key template: ${JSON.stringify(built)}`)
  const parts = built.split(MARK)
  if (parts.length === 1) return () => built
  return (values) => {
    let out = parts[0]!
    for (let i = 1; i < parts.length; i += 2) {
      const value = values[parts[i]!]
      if (value === undefined) throw new Error(`no value for key composite ${parts[i]}`)
      out += value + parts[i + 1]
    }
    return out
  }
}

/** The attributes an ElectroDB UpdateItem SETs (attribute → template) and REMOVEs. */
function updateTemplates(params: {
  UpdateExpression?: string
  ExpressionAttributeNames?: Record<string, string>
  ExpressionAttributeValues?: Record<string, unknown>
}): { set: [string, Fill][]; removed: string[] } {
  const names = params.ExpressionAttributeNames ?? {}
  const values = params.ExpressionAttributeValues ?? {}
  const set: [string, Fill][] = []
  for (const [placeholder, name] of Object.entries(names)) {
    // Strings only: the keys, composites and identifiers (not ADDed numbers such as counts).
    const value = values[`:${placeholder.slice(1)}_u0`]
    if (typeof value === 'string') set.push([name, template(value)])
  }
  const remove = /\bREMOVE\s+(.*?)(?:\s+(?:SET|ADD|DELETE)\s|$)/.exec(params.UpdateExpression ?? '')?.[1]
  const removed = (remove ?? '')
    .split(',')
    .map((placeholder) => placeholder.trim())
    .filter(Boolean)
    .map((placeholder) => names[placeholder]!)
  return { set, removed }
}

function fillAll(templates: [string, Fill][], values: Values, into: Record<string, unknown>): void {
  for (const [name, fill] of templates) into[name] = fill(values)
}

function keyTemplates(key: Record<string, unknown>): { pk: Fill; sk: Fill } {
  return { pk: template(key.pk), sk: template(key.sk) }
}

const PAGE_COMPOSITES = { pageKey: slot('pageKey'), siteKey: slot('siteKey') }
const PAGE_KEY = keyTemplates(entities.page.get(PAGE_COMPOSITES).params().Key)

/** What a page save's update SETs besides the model fields, and REMOVEs, per life state (ElectroDB's). */
const PAGE_UPDATE = {
  live: pageUpdateTemplates('live'),
  tombstone: pageUpdateTemplates('tombstone'),
}

function pageUpdateTemplates(lifeState: 'live' | 'tombstone') {
  return updateTemplates(
    entities.page
      .update(PAGE_COMPOSITES)
      .set({
        siteScope: slot('siteScope'),
        urlKey: slot('urlKey'),
        lifeState,
        crawlOrder: slot('crawlOrder'),
      })
      .params(),
  )
}

const PAGE_COUNT_KEY = keyTemplates(entities.pageCount.get({ siteKey: slot('siteKey') }).params().Key)
/** What a counter update SETs besides its counts: the site and the entity identifiers. */
const PAGE_COUNT_UPDATE = updateTemplates(
  entities.pageCount
    .update({ siteKey: slot('siteKey') })
    .add({ total: 1, live: 1 })
    .params(),
).set
const COUNTER_SHARD_COMPOSITES = { siteKey: slot('siteKey'), counterShard: slot('counterShard') }
const COUNTER_SHARD_KEY = keyTemplates(entities.pageCountShard.get(COUNTER_SHARD_COMPOSITES).params().Key)
const COUNTER_SHARD_UPDATE = updateTemplates(
  entities.pageCountShard.update(COUNTER_SHARD_COMPOSITES).add({ total: 1, live: 1 }).params(),
).set

const FRONTIER_COMPOSITES = { runKey: slot('runKey'), shard: slot('shard'), itemKey: slot('itemKey') }
const FRONTIER_KEY = keyTemplates(entities.frontier.get(FRONTIER_COMPOSITES).params().Key)
/** What a take SETs besides its lease: the in_progress partition key, composites and identifiers. */
const FRONTIER_TAKE = updateTemplates(
  entities.frontier
    .update(FRONTIER_COMPOSITES)
    .set({ status: 'in_progress', queueKey: slot('queueKey') })
    .params(),
).set.filter(([name]) => name !== 'status')

function queryTemplates(params: { ExpressionAttributeValues?: Record<string, unknown> }) {
  const values = params.ExpressionAttributeValues ?? {}
  return { pk: template(values[':pk']), sk: template(values[':sk1']) }
}

const FRONTIER_STATUS = {
  pending: queryTemplates(
    entities.frontier.query.byStatus({ ...FRONTIER_COMPOSITES, status: 'pending' }).params(),
  ),
  in_progress: queryTemplates(
    entities.frontier.query.byStatus({ ...FRONTIER_COMPOSITES, status: 'in_progress' }).params(),
  ),
}
/** The claim index (gsi3) of a run's shard, from a sort-key bound. */
const FRONTIER_QUEUE = queryTemplates(
  entities.frontier.query
    .byQueue(FRONTIER_COMPOSITES)
    .gte({ queueKey: slot('queueKey') })
    .params(),
)
const LIVE_PAGES = queryTemplates(
  entities.page.query.bySite({ siteScope: slot('siteScope'), lifeState: 'live' }).params(),
)
const PAGE_BY_URL = queryTemplates(
  entities.page.query.byUrl({ siteKey: slot('siteKey'), urlKey: slot('urlKey') }).params(),
)

/** The key attributes of a version item (pk, sk, gsi4) and its identifiers, from ElectroDB's put. */
const VERSION_KEYS: [string, Fill][] = (() => {
  const composites = { pageKey: slot('pageKey'), versionKey: slot('versionKey'), siteKey: slot('siteKey') }
  const sample = {
    ...composites,
    versionId: 'v',
    pageId: 'p',
    siteId: 's',
    runId: 'r',
    url: 'u',
    contentHash: 'h',
    statusCode: 200,
    crawledAt: 'c',
    createdAt: 'c',
    bodyEncoding: 'inline',
  }
  const { Item } = entities.version.put(sample as never).params<{ Item: Record<string, unknown> }>()
  return Object.entries(Item)
    .filter(([name]) => !(name in sample) || name in composites)
    .map(([name, value]) => [name, template(value)])
})()

export const TABLE_KEYS = ['pk', 'sk'] as const

const kp = keyPart
const shardName = (shard: number) => String(shard).padStart(2, '0')

export function pageKey(siteId: string, pageId: string) {
  const values = { pageKey: kp(pageId), siteKey: kp(siteId) }
  return { pk: PAGE_KEY.pk(values), sk: PAGE_KEY.sk(values) }
}

/** The key of one of the site's counter items (shard 0: the one beside the site item). */
export function pageCountKey(siteId: string, shard: number) {
  const values = { siteKey: kp(siteId), counterShard: shardName(shard) }
  const key = shard === 0 ? PAGE_COUNT_KEY : COUNTER_SHARD_KEY
  return { pk: key.pk(values), sk: key.sk(values) }
}

/** What a counter update SETs besides the counts (the site, shard, `__edb_e__`, `__edb_v__`). */
export function pageCountAttributes(siteId: string, shard: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = {}
  const values = { siteKey: kp(siteId), counterShard: shardName(shard) }
  fillAll(shard === 0 ? PAGE_COUNT_UPDATE : COUNTER_SHARD_UPDATE, values, attributes)
  return attributes
}

/** A frontier item's key; shard 0 (one shard, the default). */
export function frontierKey(runId: string, itemId: string, shard = 0) {
  const values = { runKey: kp(runId), shard: shardName(shard), itemKey: kp(itemId) }
  return { pk: FRONTIER_KEY.pk(values), sk: FRONTIER_KEY.sk(values) }
}

/** What a take SETs besides status, worker, lease, start and token (ElectroDB's key maintenance). */
export function takenAttributes(
  runId: string,
  itemId: string,
  queueKey: string,
  shard = 0,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {}
  const values = { runKey: kp(runId), shard: shardName(shard), itemKey: kp(itemId), queueKey }
  fillAll(FRONTIER_TAKE, values, attributes)
  return attributes
}

/** gsi3 (the claim index) of a run's shard from `queueKey` on: what a claim reads. */
export function frontierQueueQuery(runId: string, fromQueueKey: string, shard = 0) {
  const values = { runKey: kp(runId), shard: shardName(shard), itemKey: '', queueKey: fromQueueKey }
  return { pk: FRONTIER_QUEUE.pk(values), skFrom: FRONTIER_QUEUE.sk(values) }
}

/** gsi1 of a site's pages, live only (sort key prefix). */
export function livePagesQuery(siteId: string) {
  const values = { siteScope: kp(siteId) }
  return { pk: LIVE_PAGES.pk(values), skPrefix: LIVE_PAGES.sk(values) }
}

/** gsi2: page by site + exact URL. */
export function pageByUrlKey(siteId: string, url: string) {
  const values = { siteKey: kp(siteId), urlKey: kp(url) }
  return { pk: PAGE_BY_URL.pk(values), sk: PAGE_BY_URL.sk(values) }
}

/** gsi1 of a run's frontier in one status (sort key prefix); shard 0. */
export function frontierStatusQuery(runId: string, status: 'pending' | 'in_progress', shard = 0) {
  const values = { runKey: kp(runId), shard: shardName(shard) }
  const query = FRONTIER_STATUS[status]
  return { pk: query.pk(values), skPrefix: query.sk(values) }
}

/** Dates as ISO strings, nulls dropped: how every model field is stored. */
export function storedFields(record: object): { set: Record<string, unknown>; removed: string[] } {
  const set: Record<string, unknown> = {}
  const removed: string[] = []
  for (const [name, value] of Object.entries(record)) {
    if (value === null || value === undefined) removed.push(name)
    else set[name] = value instanceof Date ? value.toISOString() : value
  }
  return { set, removed }
}

/**
 * A page item's attributes besides its primary key, `revision` and the save's bookkeeping: the
 * model fields plus what ElectroDB's update of the library's save SETs (the hidden composites,
 * gsi1 and gsi2 keys, gsi3 keys for live pages only, entity identifiers). `removed` lists what a
 * replacing update removes (null fields, and gsi3 keys of a tombstone).
 */
export function pageAttributes(page: Page): { set: Record<string, unknown>; removed: string[] } {
  const { revision: _ignored, ...fields } = page
  const { set, removed } = storedFields(fields)
  const update = PAGE_UPDATE[page.isTombstone ? 'tombstone' : 'live']
  fillAll(
    update.set,
    {
      pageKey: kp(page.pageId),
      siteKey: kp(page.siteId),
      siteScope: kp(page.siteId),
      urlKey: kp(page.url),
      crawlOrder: crawlOrderKey(page.lastCrawled),
    },
    set,
  )
  removed.push(...update.removed)
  return { set, removed }
}

/** A version item with its body inline (small bodies; the library gzips or splits large ones). */
export function versionItem(version: PageVersion): Record<string, unknown> {
  const { set } = storedFields(version)
  set.bodyEncoding = 'inline'
  const values = {
    pageKey: kp(version.pageId),
    versionKey: kp(version.versionId),
    siteKey: kp(version.siteId),
  }
  fillAll(VERSION_KEYS, values, set)
  return set
}
