import type { Transport } from '../../engine/transport.js'
import type { CrawlRun } from '../../model/schemas.js'
import type { PagedQuery } from '../plumbing/listing.js'

/** What differs between the layouts for runs: keys, item shape, and which query finds a site's runs. */
export interface RunAdapter {
  transport: Transport
  put(run: CrawlRun): Promise<void>
  /** A run by its id alone. */
  get(runId: string): Promise<CrawlRun | null>
  /** The site's runs, newest first. */
  bySite(siteId: string): PagedQuery<CrawlRun>
  /** The site's newest run, in one request. */
  latest(siteId: string): Promise<CrawlRun | null>
}
