import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, type Site, SiteSchema } from '../../model/schemas.js'
import type { RunStore, SiteStore } from '../layout.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
} from '../plumbing/listing.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import type { MultiTableContext } from './context.js'

const SiteCursorSchema = z.strictObject({ c: z.iso.datetime(), s: z.string() })
type SiteCursor = z.infer<typeof SiteCursorSchema>
/** What a listSites cursor is bound to: no other listing's cursor is one. */
const SITES_SCOPE = 'sites'

/**
 * Sites in `{prefix}sites`. The documented table has no key to order sites by, and an added index
 * may only use documented attributes, none of which is shared by all sites: listing reads the
 * table (one item per site) and sorts newest first. The site item also holds the page counters,
 * which a save keeps (UpdateItem, not PutItem).
 */
export class MultiTableSites implements SiteStore {
  constructor(
    private readonly ctx: MultiTableContext,
    private readonly runs: RunStore,
  ) {}

  async save(site: Site): Promise<Site> {
    const { siteId, ...fields } = site
    const update = this.ctx.entities.site.update({ siteId }).set(toStored(fields))
    const removed = nullFields(fields)
    if (removed.length > 0) update.remove(removed)
    await update.go({ ...ORIGINAL_ERRORS, response: 'none' })
    return site
  }

  async get(siteId: string): Promise<Site | null> {
    const id = siteId
    const { data } = await this.ctx.entities.site
      .get({ siteId: id })
      .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
    return data?.name === undefined ? null : fromStored(SiteSchema, data, 'site')
  }

  async list(options?: ListOptions): Promise<ListResult<Site>> {
    const limit = pageSize(options)
    const after = decodeCursor(options?.cursor, SiteCursorSchema, SITES_SCOPE)
    const sites: Site[] = []
    let start: Record<string, unknown> | undefined
    do {
      const output = (await this.ctx.transport.send(
        new ScanCommand({ TableName: this.ctx.names.sites, ExclusiveStartKey: start }),
      )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
      for (const raw of output.Items ?? []) {
        const item = formatItem(this.ctx.entities.site, raw)
        if (item?.name !== undefined) sites.push(fromStored(SiteSchema, item, 'site'))
      }
      start = output.LastEvaluatedKey
    } while (start)
    const order = (s: Site): SiteCursor => ({ c: s.createdAt.toISOString(), s: s.siteId })
    const newerFirst = (a: SiteCursor, b: SiteCursor) =>
      a.c !== b.c ? (a.c < b.c ? 1 : -1) : a.s < b.s ? 1 : a.s > b.s ? -1 : 0
    sites.sort((a, b) => newerFirst(order(a), order(b)))
    const rest = after ? sites.filter((s) => newerFirst(order(s), after) > 0) : sites
    const items = rest.slice(0, limit)
    return {
      items,
      cursor: rest.length > limit ? encodeCursor(order(items[items.length - 1]!), SITES_SCOPE) : null,
    }
  }

  async withRuns(siteId: string, limit: number): Promise<{ site: Site | null; runs: CrawlRun[] }> {
    const [site, runs] = await Promise.all([this.get(siteId), this.runs.list(siteId, { limit })])
    return { site, runs: runs.items }
  }
}
