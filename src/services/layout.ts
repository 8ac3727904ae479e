import type { DynamoDBConfig } from '../config.js'
import type { Transport } from '../engine/transport.js'
import type { CrawlRun, FrontierItem, FrontierStatus, Page, PageVersion, Site } from '../model/schemas.js'
import type { StorageBackend } from './contract.js'
import type { RecordCodec } from './migration-codec.js'

import type { Claim, LeaseExtension, RetryRequest } from './options.js'

import type { ChangesPage, ListChangesOptions } from './pages/page-changes.js'

import type { PageCountDelta } from './pages/page-counter.js'
import type { PageWriteOptions, PreparedSave } from './pages/page-write.js'
import type { BulkSource } from './plumbing/bulk-source.js'
import type { LayoutTables } from './plumbing/lifecycle.js'
import type { ListOptions, ListResult } from './plumbing/listing.js'

// The narrow seams between the public backend and a layout: one store per logical table. Each
// layout implements them in its own folder; `LayoutBackend` puts either behind `StorageBackend`.
// Stores get values the backend has parsed (ids, records with defaults, options), never raw input.

export interface RecrawlQuery extends ListOptions {
  maxAgeHours?: number
  now?: Date
}

/** What a status update may carry besides the status. */
export interface StatusRequest {
  error?: string
  workerId?: string
}

export interface SiteStore {
  /** Saves a parsed site whose config is already scrubbed of credentials. */
  save(site: Site): Promise<Site>
  get(siteId: string): Promise<Site | null>
  list(options: ListOptions): Promise<ListResult<Site>>
  withRuns(siteId: string, limit: number): Promise<{ site: Site | null; runs: CrawlRun[] }>
}

export interface RunStore {
  /** Saves a parsed run whose config snapshot is already scrubbed of credentials. */
  save(run: CrawlRun): Promise<CrawlRun>
  get(runId: string): Promise<CrawlRun | null>
  list(siteId: string, options: ListOptions): Promise<ListResult<CrawlRun>>
  latest(siteId: string): Promise<CrawlRun | null>
}

export interface PageStore {
  save(page: Page, expectedRevision: number | undefined): Promise<Page>
  /**
   * A validated page's write, built and checked (item size) but not sent; its count changes are
   * applied by `applyCounts`.
   */
  prepareWrite(page: Page, expectedRevision?: number, options?: PageWriteOptions): PreparedSave
  applyCounts(deltas: PageCountDelta[]): Promise<void>
  get(siteId: string, pageId: string): Promise<Page | null>
  byUrl(siteId: string, url: string): Promise<Page | null>
  list(siteId: string, options: ListOptions & { includeTombstones?: boolean }): Promise<ListResult<Page>>
  needingRecrawl(siteId: string, options: RecrawlQuery): Promise<ListResult<Page>>
  count(siteId: string, includeTombstones: boolean): Promise<number>
  /** A sync iterable (a parsed array) is checked whole before any write; an async one as it is read. */
  saveBulk(pages: BulkSource<Page>): Promise<number>
  changes(siteId: string, options: ListChangesOptions): Promise<ChangesPage>
}

export interface VersionStore {
  save(version: PageVersion): Promise<PageVersion>
  /** Writes a validated version: body chunks first, the version item last. */
  write(version: PageVersion): Promise<void>
  saveBulk(versions: BulkSource<PageVersion>): Promise<number>
  get(pageId: string, versionId: string): Promise<PageVersion | null>
  current(pageId: string): Promise<PageVersion | null>
  list(pageId: string, options: ListOptions): Promise<ListResult<PageVersion>>
  pageWithVersions(
    siteId: string,
    pageId: string,
    limit: number,
  ): Promise<{ page: Page | null; versions: PageVersion[] }>
}

export interface FrontierStore {
  save(item: FrontierItem): Promise<FrontierItem>
  enqueue(items: FrontierItem[]): Promise<{ added: number; duplicates: number }>
  list(runId: string, options: ListOptions & { status?: FrontierStatus }): Promise<ListResult<FrontierItem>>
  claim(runId: string, claim: Claim): Promise<FrontierItem[]>
  updateStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    request: StatusRequest,
  ): Promise<FrontierItem>
  clear(runId: string): Promise<number>
  extendLease(runId: string, itemId: string, extension: LeaseExtension): Promise<FrontierItem>
  retry(runId: string, itemId: string, request: RetryRequest): Promise<FrontierItem>
  requeueFailed(runId: string): Promise<number>
}

/** One physical layout of the five logical tables. */
export interface Layout {
  config: DynamoDBConfig
  transport: Transport
  sites: SiteStore
  runs: RunStore
  pages: PageStore
  versions: VersionStore
  frontier: FrontierStore
  deleteSiteAndMembers(siteId: string): ReturnType<StorageBackend['deleteSite']>
  /** What `initialize()` creates. */
  tables: LayoutTables
  /** Raw items ↔ logical records, for migration and verify. */
  records: RecordCodec
}
