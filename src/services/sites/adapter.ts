import type { CrawlRun, Site } from '../../model/schemas.js'
import type { ListOptions, ListResult } from '../plumbing/listing.js'

/** What differs between the layouts for sites: keys, item shape, and how sites are listed. */
export interface SiteAdapter {
  put(site: Site): Promise<void>
  get(siteId: string): Promise<Site | null>
  /** Sites newest first. */
  list(options: ListOptions | undefined): Promise<ListResult<Site>>
  /** The site with its newest runs in one request, where the layout keeps them in one collection. */
  withRuns?(siteId: string, limit: number): Promise<SiteWithRuns>
}

export interface SiteWithRuns {
  site: Site | null
  runs: CrawlRun[]
}
