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
import type {
  CallOptions,
  ClaimOptions,
  CountPagesOptions,
  ExtendLeaseOptions,
  FollowPageChangesOptions,
  FrontierListOptions,
  ListOptions,
  ListPagesOptions,
  PageChangesOptions,
  RecrawlOptions,
  RetryOptions,
  SaveOptions,
  StatusUpdateOptions,
  WithRunsOptions,
  WithVersionsOptions,
} from './options.js'

import type { PageChange } from './pages/page-changes.js'
import type { ListResult } from './plumbing/listing.js'

export interface TableHealth {
  name: string
  exists: boolean
  status?: string
  error?: string
  /**
   * Indexes of the layout the table lacks (a table created by an older version: 0.1 tables have no
   * change-feed index, so `listPageChanges` fails on them); absent when none is missing.
   */
  missingIndexes?: string[]
}

export interface EngineCapabilities {
  /** TransactWriteItems / TransactGetItems (DynamoDB Local and AWS; not dynalite). */
  transactions: boolean
  /** The TTL API (UpdateTimeToLive); without it finished frontier items are filtered on read only. */
  timeToLive: boolean
  /** PartiQL batches (BatchExecuteStatement: DynamoDB Local and AWS; not dynalite): the fast bulk page save. */
  partiql: boolean
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

/**
 * The storage contract of ragcrawl; both layouts implement it identically. Every method takes an
 * `AbortSignal` (`signal` in its options, or a last `{ signal }`); every option object is strict.
 */
export interface StorageBackend {
  // Sites
  saveSite(site: SiteInput, options?: CallOptions): Promise<Site>
  getSite(siteId: string, options?: CallOptions): Promise<Site | null>
  listSites(options?: ListOptions): Promise<ListResult<Site>>
  deleteSite(siteId: string, options?: CallOptions): Promise<{ deleted: boolean; items: number }>
  /** The site and its newest runs, in one request. */
  getSiteWithRuns(siteId: string, options?: WithRunsOptions): Promise<{ site: Site | null; runs: CrawlRun[] }>

  // Runs
  saveRun(run: CrawlRunInput, options?: CallOptions): Promise<CrawlRun>
  getRun(runId: string, options?: CallOptions): Promise<CrawlRun | null>
  listRuns(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>>
  getLatestRun(siteId: string, options?: CallOptions): Promise<CrawlRun | null>

  // Pages
  savePage(page: PageInput, options?: SaveOptions): Promise<Page>
  getPage(siteId: string, pageId: string, options?: CallOptions): Promise<Page | null>
  getPageByUrl(siteId: string, url: string, options?: CallOptions): Promise<Page | null>
  listPages(siteId: string, options?: ListPagesOptions): Promise<ListResult<Page>>
  getPagesNeedingRecrawl(siteId: string, options?: RecrawlOptions): Promise<ListResult<Page>>
  countPages(siteId: string, options?: CountPagesOptions): Promise<number>
  /**
   * An array is validated whole before anything is written; an `AsyncIterable` is read as it is
   * saved (bounded memory) and each item validated as it comes: a bad item throws before anything
   * of it is written, and the pages before it stay saved and counted (see docs/data-model.md).
   */
  savePagesBulk(pages: PageInput[] | AsyncIterable<PageInput>, options?: CallOptions): Promise<number>
  /** The change feed: pages created or changed after `cursor`, oldest change first (see API.md). */
  listPageChanges(
    siteId: string,
    options?: PageChangesOptions,
  ): Promise<{ items: PageChange[]; cursor: string }>
  /** Follows the feed: each change with the cursor to keep once it is indexed; ends on `signal`. */
  followPageChanges(
    siteId: string,
    options?: FollowPageChangesOptions,
  ): AsyncIterable<{ change: PageChange; cursor: string }>

  // Versions
  saveVersion(version: PageVersionInput, options?: CallOptions): Promise<PageVersion>
  getVersion(pageId: string, versionId: string, options?: CallOptions): Promise<PageVersion | null>
  getCurrentVersion(pageId: string, options?: CallOptions): Promise<PageVersion | null>
  listVersions(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>>
  /** Takes an array or an `AsyncIterable`, like `savePagesBulk`. */
  saveVersionsBulk(
    versions: PageVersionInput[] | AsyncIterable<PageVersionInput>,
    options?: CallOptions,
  ): Promise<number>
  commitVersion(
    page: PageInput,
    version: PageVersionInput,
    options?: SaveOptions,
  ): Promise<{ page: Page; version: PageVersion }>
  /** A page with its newest versions, in one request. */
  getPageWithVersions(
    siteId: string,
    pageId: string,
    options?: WithVersionsOptions,
  ): Promise<{ page: Page | null; versions: PageVersion[] }>

  // Frontier
  saveFrontierItem(item: FrontierItemInput, options?: CallOptions): Promise<FrontierItem>
  enqueueFrontierItems(
    items: FrontierItemInput[],
    options?: CallOptions,
  ): Promise<{ added: number; duplicates: number }>
  getFrontierItems(runId: string, options?: FrontierListOptions): Promise<ListResult<FrontierItem>>
  claimFrontierItems(runId: string, options: ClaimOptions): Promise<FrontierItem[]>
  updateFrontierStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: StatusUpdateOptions,
  ): Promise<FrontierItem>
  clearFrontier(runId: string, options?: CallOptions): Promise<number>
  /**
   * The lease owner's heartbeat: the lease of an `in_progress` item held by `workerId` ends
   * `leaseSeconds` from now (also after it ran out, if nobody claimed the item since).
   */
  extendFrontierLease(runId: string, itemId: string, options: ExtendLeaseOptions): Promise<FrontierItem>
  /**
   * A failed attempt of a pending or in_progress item: `retryCount` + 1, back to pending with a
   * `scheduledAt` (the backoff, or `delaySeconds`), or `failed` past `frontierMaxRetries`.
   */
  retryFrontierItem(runId: string, itemId: string, options?: RetryOptions): Promise<FrontierItem>
  /** Every `failed` item of the run back to pending, `retryCount` 0, unscheduled; how many. */
  requeueFailedFrontierItems(runId: string, options?: CallOptions): Promise<number>

  // Lifecycle
  initialize(options?: CallOptions): Promise<void>
  /** Never throws: false when the tables are not usable (or the call was aborted). */
  healthCheck(options?: CallOptions): Promise<boolean>
  /** Never throws: a report with `ok: false` and `error` instead. */
  healthReport(options?: CallOptions): Promise<HealthReport>
  /** Never throws; closes whatever the signal says. */
  close(options?: CallOptions): Promise<void>

  /** Requests and capacity units this backend has sent, per DynamoDB operation. */
  metrics(): RequestMetrics
}
