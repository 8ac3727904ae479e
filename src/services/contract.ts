import type { RequestMetrics } from '../engine/metrics.js'
import type {
  CrawlRun,
  CrawlRunInput,
  FrontierItem,
  FrontierItemInput,
  FrontierStatus,
  Page,
  PageInput,
  PageVersion,
  PageVersionInput,
  Site,
  SiteInput,
} from '../model/schemas.js'
import type { ListOptions, ListResult } from './shared/listing.js'

export type { ListOptions, ListResult }

export interface SaveOptions {
  /** The revision the caller last read; a stale write fails with `ConflictError` and changes nothing. */
  expectedRevision?: number
}

export interface ClaimOptions {
  workerId: string
  /** Items to claim at most; default 10. */
  limit?: number
  /** Lease length, at least 1 second; default 300. */
  leaseSeconds?: number
}

export interface TableHealth {
  name: string
  exists: boolean
  status?: string
  error?: string
}

export interface EngineCapabilities {
  /** TransactWriteItems / TransactGetItems (DynamoDB Local and AWS; not dynalite). */
  transactions: boolean
  /** The TTL API (UpdateTimeToLive); without it finished frontier items are filtered on read only. */
  timeToLive: boolean
}

export interface HealthReport {
  ok: boolean
  layout: 'single-table' | 'multi-table'
  endpoint: string
  tables: TableHealth[]
  capabilities: EngineCapabilities | null
  latencyMs: number
  error?: string
}

/** The storage contract of ragcrawl; both layouts implement it identically. */
export interface StorageBackend {
  // Sites
  saveSite(site: SiteInput): Promise<Site>
  getSite(siteId: string): Promise<Site | null>
  listSites(options?: ListOptions): Promise<ListResult<Site>>
  deleteSite(siteId: string): Promise<{ deleted: boolean; items: number }>
  /** The site and its newest runs, in one request. */
  getSiteWithRuns(
    siteId: string,
    options?: { limit?: number },
  ): Promise<{ site: Site | null; runs: CrawlRun[] }>

  // Runs
  saveRun(run: CrawlRunInput): Promise<CrawlRun>
  getRun(runId: string): Promise<CrawlRun | null>
  listRuns(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>>
  getLatestRun(siteId: string): Promise<CrawlRun | null>

  // Pages
  savePage(page: PageInput, options?: SaveOptions): Promise<Page>
  getPage(siteId: string, pageId: string): Promise<Page | null>
  getPageByUrl(siteId: string, url: string): Promise<Page | null>
  listPages(
    siteId: string,
    options?: ListOptions & { includeTombstones?: boolean },
  ): Promise<ListResult<Page>>
  getPagesNeedingRecrawl(
    siteId: string,
    options?: ListOptions & { maxAgeHours?: number; now?: Date },
  ): Promise<ListResult<Page>>
  countPages(siteId: string, options?: { includeTombstones?: boolean }): Promise<number>
  savePagesBulk(pages: PageInput[]): Promise<number>

  // Versions
  saveVersion(version: PageVersionInput): Promise<PageVersion>
  getVersion(pageId: string, versionId: string): Promise<PageVersion | null>
  getCurrentVersion(pageId: string): Promise<PageVersion | null>
  listVersions(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>>
  saveVersionsBulk(versions: PageVersionInput[]): Promise<number>
  commitVersion(
    page: PageInput,
    version: PageVersionInput,
    options?: SaveOptions,
  ): Promise<{ page: Page; version: PageVersion }>
  /** A page with its newest versions, in one request. */
  getPageWithVersions(
    siteId: string,
    pageId: string,
    options?: { limit?: number },
  ): Promise<{ page: Page | null; versions: PageVersion[] }>

  // Frontier
  saveFrontierItem(item: FrontierItemInput): Promise<FrontierItem>
  enqueueFrontierItems(items: FrontierItemInput[]): Promise<{ added: number; duplicates: number }>
  getFrontierItems(
    runId: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>>
  claimFrontierItems(runId: string, options: ClaimOptions): Promise<FrontierItem[]>
  updateFrontierStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: { error?: string; workerId?: string },
  ): Promise<FrontierItem>
  clearFrontier(runId: string): Promise<number>

  // Lifecycle
  initialize(): Promise<void>
  healthCheck(): Promise<boolean>
  healthReport(): Promise<HealthReport>
  close(): Promise<void>

  /** Requests and capacity units this backend has sent, per DynamoDB operation. */
  metrics(): RequestMetrics
}
