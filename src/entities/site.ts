import { defineEntity, type EntityOptions, field, hiddenKey, key, snakeFields } from './common.js'

/** The model fields of the logical table, shared by both layouts. */
const SITE_FIELDS = {
  siteId: field.requiredText,
  name: field.requiredText,
  seeds: { ...field.stringList, required: true },
  allowedDomains: field.stringList,
  allowedSubdomains: field.bool,
  config: field.anyValue,
  createdAt: field.requiredText,
  updatedAt: field.text,
  lastCrawlAt: field.text,
  lastSyncAt: field.text,
  totalPages: field.num,
  totalRuns: field.num,
  isActive: field.bool,
} as const

/**
 * Sites. Item: pk = site, sk = `$site_1`.
 * - gsi1 `list`: one partition of all sites, sorted by createdAt (listSites newest first).
 * - gsi2 `siteRuns` collection: the site and its runs (site with its latest runs in one Query).
 */
export function siteEntity(options: EntityOptions) {
  return defineEntity('site', options, {
    attributes: { siteKey: hiddenKey, ...SITE_FIELDS },
    indexes: {
      byId: key.primary(['siteKey'], []),
      list: key.secondary('gsi1', [], ['createdAt', 'siteKey']),
      withRuns: key.secondary('gsi2', ['siteKey'], [], { collection: 'siteRuns' }),
    },
  })
}

export type SiteEntity = ReturnType<typeof siteEntity>

/**
 * Documented layout: `{prefix}sites`, HASH `site_id`, snake_case attributes. The site item also
 * carries the O(1) page counters (`page_count`, `live_page_count`); an item holding only counters
 * (pages saved before their site) is not a site.
 */
export function siteTableEntity(options: EntityOptions) {
  return defineEntity('site', options, {
    attributes: {
      ...snakeFields(SITE_FIELDS),
      pageCount: { type: 'number', field: 'page_count' },
      livePageCount: { type: 'number', field: 'live_page_count' },
    },
    indexes: {
      byId: { pk: key.plain('site_id', 'siteId') },
    },
  })
}

export type SiteTableEntity = ReturnType<typeof siteTableEntity>
