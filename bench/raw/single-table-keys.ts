import type { Page, PageVersion } from '../../src/index.js'
import { crawlOrderKey, keyPart } from '../../src/keys/key-part.js'

/**
 * The single-table layout's stored items, written out by hand from what the library stores (read
 * back with a raw GetCommand): ElectroDB's `$service#attr_value` keys, `keyPart` escaping, the
 * `__edb_e__`/`__edb_v__` identifiers. `test`-like checks in the overhead section compare these
 * with items the library wrote, so a drift in the key design shows up there.
 */
const kp = keyPart

export const TABLE_KEYS = ['pk', 'sk'] as const

export function pageKey(siteId: string, pageId: string) {
  return { pk: `$ragcrawl#pageKey_${kp(pageId)}`, sk: `$pageVersions#webpage_1#siteKey_${kp(siteId)}` }
}

export function pageCountKey(siteId: string) {
  return { pk: `$ragcrawl#siteKey_${kp(siteId)}`, sk: '$pagecount_1' }
}

export function frontierKey(runId: string, itemId: string) {
  return { pk: `$ragcrawl#runKey_${kp(runId)}#shard_00`, sk: `$frontier_1#itemKey_${kp(itemId)}` }
}

/** gsi1 of a site's pages, live only (sort key prefix). */
export function livePagesQuery(siteId: string) {
  return { pk: `$ragcrawl#siteScope_${kp(siteId)}`, skPrefix: '$webpage_1#lifeState_live#pageKey_' }
}

/** gsi2: page by site + exact URL. */
export function pageByUrlKey(siteId: string, url: string) {
  return { pk: `$ragcrawl#siteKey_${kp(siteId)}#urlKey_${kp(url)}`, sk: '$webpage_1' }
}

/** gsi1 of a run's frontier in one status (one shard, the default). */
export function frontierStatusQuery(runId: string, status: string) {
  return {
    pk: `$ragcrawl#runKey_${kp(runId)}#shard_00#status_${status}`,
    skPrefix: '$frontier_1#priorityKey_',
  }
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
 * A page item's attributes besides its primary key and `revision`: the model fields plus the key
 * attributes of gsi1 (site, life state), gsi2 (site + URL) and, for live pages only, gsi3
 * (recrawl order). `removed` lists what a replacing update removes (null fields, and gsi3 keys of
 * a tombstone).
 */
export function pageAttributes(page: Page): { set: Record<string, unknown>; removed: string[] } {
  const { revision: _ignored, ...fields } = page
  const { set, removed } = storedFields(fields)
  const siteKey = kp(page.siteId)
  const pageKeyPart = kp(page.pageId)
  const urlKey = kp(page.url)
  const lifeState = page.isTombstone ? 'tombstone' : 'live'
  const crawlOrder = crawlOrderKey(page.lastCrawled)
  Object.assign(set, {
    siteScope: siteKey,
    urlKey,
    lifeState,
    crawlOrder,
    gsi1pk: `$ragcrawl#siteScope_${siteKey}`,
    gsi1sk: `$webpage_1#lifeState_${lifeState}#pageKey_${pageKeyPart}`,
    gsi2pk: `$ragcrawl#siteKey_${siteKey}#urlKey_${urlKey}`,
    gsi2sk: '$webpage_1',
    pageKey: pageKeyPart,
    siteKey,
    __edb_e__: 'webpage',
    __edb_v__: '1',
  })
  if (lifeState === 'live') {
    set.gsi3pk = `$ragcrawl#siteKey_${siteKey}`
    set.gsi3sk = `$webpage_1#crawlOrder_${crawlOrder}#pageKey_${pageKeyPart}`
  } else {
    removed.push('gsi3pk', 'gsi3sk')
  }
  return { set, removed }
}

/** A version item with its body inline (small bodies; the library gzips or splits large ones). */
export function versionItem(version: PageVersion): Record<string, unknown> {
  const { set } = storedFields(version)
  const pageKeyPart = kp(version.pageId)
  const versionKey = kp(version.versionId)
  const siteKey = kp(version.siteId)
  return {
    ...set,
    pageKey: pageKeyPart,
    versionKey,
    siteKey,
    bodyEncoding: 'inline',
    pk: `$ragcrawl#pageKey_${pageKeyPart}`,
    sk: `$pageVersions#version_1#versionKey_${versionKey}`,
    gsi4pk: `$ragcrawl#siteKey_${siteKey}`,
    gsi4sk: `$version_1#pageKey_${pageKeyPart}#versionKey_${versionKey}`,
    __edb_e__: 'version',
    __edb_v__: '1',
  }
}
