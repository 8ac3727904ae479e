import { z } from 'zod'
import type { Site } from '../../model/schemas.js'
import type { RunStore, SiteStore } from '../layout.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
} from '../plumbing/listing.js'
import type { SiteAdapter, SiteWithRuns } from './adapter.js'

/** Sites: get, list newest first, and a site with its newest runs. */
export class Sites implements SiteStore {
  constructor(
    private readonly adapter: SiteAdapter,
    private readonly runs: RunStore,
  ) {}

  async save(site: Site): Promise<Site> {
    await this.adapter.put(site)
    return site
  }

  get(siteId: string): Promise<Site | null> {
    return this.adapter.get(siteId)
  }

  list(options?: ListOptions): Promise<ListResult<Site>> {
    return this.adapter.list(options)
  }

  async withRuns(siteId: string, limit: number): Promise<SiteWithRuns> {
    if (this.adapter.withRuns) return this.adapter.withRuns(siteId, limit)
    const [site, runs] = await Promise.all([this.get(siteId), this.runs.list(siteId, { limit })])
    return { site, runs: runs.items }
  }
}

const SiteCursorSchema = z.strictObject({ c: z.iso.datetime(), s: z.string() })
type SiteCursor = z.infer<typeof SiteCursorSchema>
/** What a listSites cursor is bound to: no other listing's cursor is one. */
const SITES_SCOPE = 'sites'

const positionOf = (site: Site): SiteCursor => ({ c: site.createdAt.toISOString(), s: site.siteId })
/** Newest first, ties by site id descending. */
const newerFirst = (a: SiteCursor, b: SiteCursor) =>
  a.c !== b.c ? (a.c < b.c ? 1 : -1) : a.s < b.s ? 1 : a.s > b.s ? -1 : 0

/** One page of every site, for a layout that has no index to order sites by (it read them all). */
export function pageOfAllSites(sites: Site[], options: ListOptions | undefined): ListResult<Site> {
  const limit = pageSize(options)
  const after = decodeCursor(options?.cursor, SiteCursorSchema, SITES_SCOPE)
  const sorted = [...sites].sort((a, b) => newerFirst(positionOf(a), positionOf(b)))
  const rest = after ? sorted.filter((s) => newerFirst(positionOf(s), after) > 0) : sorted
  const items = rest.slice(0, limit)
  return {
    items,
    cursor: rest.length > limit ? encodeCursor(positionOf(items[items.length - 1]!), SITES_SCOPE) : null,
  }
}
