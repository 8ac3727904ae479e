import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { CrawlRunSchema, type Site, SiteSchema } from '../../model/schemas.js'
import { queryPage } from '../plumbing/listing.js'
import { readOwned, toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import type { SiteAdapter } from './adapter.js'

const toSite = (item: unknown): Site => fromStored(SiteSchema, item, 'site')

/** Sites in the single table: get (GetItem), list (gsi1), a site with its newest runs (gsi2 collection). */
export function singleTableSites(ctx: SingleTableContext): SiteAdapter {
  const site = ctx.entities.site
  return {
    async put(value) {
      await site.put({ ...toStored(value), siteKey: keyPart(value.siteId) }).go(ORIGINAL_ERRORS)
    },
    async get(siteId) {
      const { data } = await site.get({ siteKey: keyPart(siteId) }).go(ORIGINAL_ERRORS)
      return data ? toSite(data) : null
    },
    list: (options) =>
      queryPage(
        ctx.transport,
        {
          input: site.query.list({}).params({ order: 'desc' }),
          keyAttributes: KEYS.gsi1,
          read: (raw) => readOwned(site, raw, toSite),
        },
        options,
      ),
    async withRuns(siteId, limit) {
      const { data } = await ctx.service.collections
        .siteRuns({ siteKey: keyPart(siteId) })
        .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: limit + 1, pages: 1 })
      const [found] = data.site
      return {
        site: found ? toSite(found) : null,
        runs: data.run.slice(0, limit).map((run) => fromStored(CrawlRunSchema, run, 'run')),
      }
    },
  }
}
