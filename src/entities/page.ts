import { defineEntity, type EntityOptions, field, hiddenKey, key, snakeFields } from './common.js'

/** Pages whose `lifeState` is `live` are the non-tombstones. */
export const LIFE_STATES = ['live', 'tombstone'] as const

/** The model fields of the logical table, shared by both layouts. */
const PAGE_FIELDS = {
  pageId: field.requiredText,
  siteId: field.requiredText,
  url: field.requiredText,
  canonicalUrl: field.text,
  currentVersionId: field.text,
  contentHash: field.text,
  etag: field.text,
  lastModified: field.text,
  firstSeen: field.requiredText,
  lastSeen: field.requiredText,
  lastCrawled: field.text,
  lastChanged: field.text,
  depth: { type: 'number', required: true },
  referrerUrl: field.text,
  statusCode: field.num,
  isTombstone: field.bool,
  errorCount: field.num,
  lastError: field.text,
  versionCount: field.num,
  revision: field.num,
} as const

/**
 * Pages. Item: pk = page, sk = site — in the `pageVersions` collection with the page's versions,
 * so a page and its newest versions come back in one Query. The entity is named `webpage` so that
 * in that collection it sorts after `version`: a descending Query returns the page, then its
 * versions newest first.
 * - gsi1 `bySite`: pk = site (`siteScope`), sk = lifeState + page (list live pages, or all with tombstones).
 * - gsi2 `byUrl`: pk = site + URL (page by exact, case-preserving URL; long URLs hashed).
 * - gsi3 `recrawl`, sparse (live pages only): pk = site, sk = crawlOrder + page
 *   (never crawled first, then oldest lastCrawled).
 */
export function pageEntity(options: EntityOptions) {
  return defineEntity('webpage', options, {
    attributes: {
      // siteScope is the site again, outside the primary key: an update rebuilds a GSI key only from
      // attributes it sets, and primary-key attributes cannot be set, so gsi1's partition uses it.
      ...key.hidden('pageKey', 'siteKey', 'siteScope', 'urlKey'),
      lifeState: { type: LIFE_STATES, required: true, hidden: true },
      crawlOrder: hiddenKey,
      ...PAGE_FIELDS,
    },
    indexes: {
      byId: { collection: 'pageVersions', ...key.primary(['pageKey'], ['siteKey']) },
      bySite: key.secondary('gsi1', ['siteScope'], ['lifeState', 'pageKey']),
      byUrl: key.secondary('gsi2', ['siteKey', 'urlKey'], []),
      recrawl: key.secondary('gsi3', ['siteKey'], ['crawlOrder', 'pageKey'], {
        condition: (attributes: { lifeState?: string }) => attributes.lifeState === 'live',
      }),
    },
  })
}

export type PageEntity = ReturnType<typeof pageEntity>

/**
 * O(1) page counts of a site, summed over `PAGE_COUNTER_SHARDS` counter items: shard 0 beside the
 * site item (pk = site, sk = `$pagecount_1`, the only counter of 0.1), the others each in a
 * partition of its own (`pageCountShardEntity`), so that the writers of a busy site spread their
 * counter updates over as many partitions (a partition takes 1,000 WCU/s).
 */
export function pageCountEntity(options: EntityOptions) {
  return defineEntity('pagecount', options, {
    attributes: { siteKey: hiddenKey, total: field.num, live: field.num },
    indexes: { byId: key.primary(['siteKey'], []) },
  })
}

/** Counter shards 1 … `PAGE_COUNTER_SHARDS` - 1 of a site: pk = site + shard, sk = `$pagecountshard_1`. */
export function pageCountShardEntity(options: EntityOptions) {
  return defineEntity('pagecountshard', options, {
    attributes: { siteKey: hiddenKey, counterShard: hiddenKey, total: field.num, live: field.num },
    indexes: { byId: key.primary(['siteKey', 'counterShard'], []) },
  })
}

/** Counter items per site in single-table (a writer updates the one its id hashes to). */
export const PAGE_COUNTER_SHARDS = 16

export type PageCountEntity = ReturnType<typeof pageCountEntity>

/** Index names of the documented pages table: the documented GSI on url, and an addition. */
export const PAGES_INDEXES = {
  byUrl: 'url-index',
  recrawl: 'site_id-last_crawled-index',
  changes: 'site_id-change_marker-index',
} as const

/** The multi-table change marker (added attribute): `<changedAt ISO>#<page_id>`, set by a change. */
export const CHANGE_MARKER = 'change_marker'

/**
 * Documented layout: `{prefix}pages`, HASH `site_id`, RANGE `page_id`; GSI `url-index` (page by
 * URL) and, added, `site_id-last_crawled-index` (the recrawl queue; never-crawled pages have no
 * `last_crawled` and are read from the table). `url` holds the URL itself up to 2,048 bytes (the
 * index-key limit); a longer URL is stored whole in `full_url` and `url` holds its index form
 * (see `urlIndexValue`).
 */
export function pageTableEntity(options: EntityOptions) {
  return defineEntity('page', options, {
    attributes: {
      ...snakeFields(PAGE_FIELDS),
      fullUrl: { type: 'string', field: 'full_url' },
    },
    indexes: {
      byId: { pk: key.plain('site_id', 'siteId'), sk: key.plain('page_id', 'pageId') },
    },
  })
}

export type PageTableEntity = ReturnType<typeof pageTableEntity>
