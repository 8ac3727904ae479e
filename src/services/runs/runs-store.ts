import type { CrawlRun } from '../../model/schemas.js'
import type { RunStore } from '../layout.js'
import { type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import type { RunAdapter } from './adapter.js'

/** Runs: by id, a site's runs newest first (one Query per page) and its latest run. */
export class Runs implements RunStore {
  constructor(private readonly adapter: RunAdapter) {}

  async save(run: CrawlRun): Promise<CrawlRun> {
    await this.adapter.put(run)
    return run
  }

  get(runId: string): Promise<CrawlRun | null> {
    return this.adapter.get(runId)
  }

  list(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>> {
    return queryPage(this.adapter.transport, this.adapter.bySite(siteId), options)
  }

  latest(siteId: string): Promise<CrawlRun | null> {
    return this.adapter.latest(siteId)
  }
}
