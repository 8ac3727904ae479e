import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { fromStored } from '../../model/read.js'
import { type Site, SiteSchema } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import type { SiteAdapter } from './adapter.js'
import { pageOfAllSites } from './sites-store.js'

/**
 * Sites in `{prefix}sites`. The documented table has no key to order sites by, and an added index
 * may only use documented attributes, none of which is shared by all sites: listing reads the
 * table (one item per site) and sorts newest first. The site item also holds the page counters,
 * which a save keeps (UpdateItem, not PutItem).
 */
export function multiTableSites(ctx: MultiTableContext): SiteAdapter {
  const site = ctx.entities.site
  return {
    async put({ siteId, ...fields }) {
      const update = site.update({ siteId }).set(toStored(fields))
      const removed = nullFields(fields)
      if (removed.length > 0) update.remove(removed)
      await update.go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    async get(siteId) {
      const { data } = await site.get({ siteId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
      return data?.name === undefined ? null : fromStored(SiteSchema, data, 'site')
    },
    list: async (options) => pageOfAllSites(await scanSites(ctx), options),
  }
}

/** Every site of the table; items without a name are page counters only. */
async function scanSites(ctx: MultiTableContext): Promise<Site[]> {
  const sites: Site[] = []
  let start: Record<string, unknown> | undefined
  do {
    const output = (await ctx.transport.send(
      new ScanCommand({ TableName: ctx.names.sites, ExclusiveStartKey: start }),
    )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
    for (const raw of output.Items ?? []) {
      const item = formatItem(ctx.entities.site, raw)
      if (item?.name !== undefined) sites.push(fromStored(SiteSchema, item, 'site'))
    }
    start = output.LastEvaluatedKey
  } while (start)
  return sites
}
