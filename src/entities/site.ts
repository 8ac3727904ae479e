import { Entity } from 'electrodb'
import {
  anyValue,
  bool,
  CASE_KEPT,
  type EntityOptions,
  hiddenKey,
  num,
  requiredText,
  SERVICE,
  stringList,
  text,
} from './common.js'

/**
 * Sites. Item: pk = site, sk = `$site_1`.
 * - gsi1 `list`: one partition of all sites, sorted by createdAt (listSites newest first).
 * - gsi2 `siteRuns` collection: the site and its runs (site with its latest runs in one Query).
 */
export function siteEntity(options: EntityOptions) {
  return new Entity(
    {
      model: { entity: 'site', version: '1', service: SERVICE },
      attributes: {
        siteKey: hiddenKey,
        siteId: requiredText,
        name: requiredText,
        seeds: { ...stringList, required: true },
        allowedDomains: stringList,
        allowedSubdomains: bool,
        config: anyValue,
        createdAt: requiredText,
        updatedAt: text,
        lastCrawlAt: text,
        lastSyncAt: text,
        totalPages: num,
        totalRuns: num,
        isActive: bool,
      },
      indexes: {
        byId: {
          pk: { field: 'pk', composite: ['siteKey'], casing: CASE_KEPT },
          sk: { field: 'sk', composite: [], casing: CASE_KEPT },
        },
        list: {
          index: 'gsi1',
          pk: { field: 'gsi1pk', composite: [], casing: CASE_KEPT },
          sk: { field: 'gsi1sk', composite: ['createdAt', 'siteKey'], casing: CASE_KEPT },
        },
        withRuns: {
          index: 'gsi2',
          collection: 'siteRuns',
          pk: { field: 'gsi2pk', composite: ['siteKey'], casing: CASE_KEPT },
          sk: { field: 'gsi2sk', composite: [], casing: CASE_KEPT },
        },
      },
    },
    options,
  )
}

export type SiteEntity = ReturnType<typeof siteEntity>
