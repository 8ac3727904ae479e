import type { DynamoDBConfig } from '../config.js'
import type { Transport } from '../engine/transport.js'
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
import type { ClaimOptions, SaveOptions } from './contract.js'
import type { RecordCodec } from './migration-codec.js'
import type { LayoutTables } from './shared/lifecycle.js'
import type { ListOptions, ListResult } from './shared/listing.js'
import type { PageCountDelta } from './shared/pages.js'
import type { PageWriteOptions, PreparedSave } from './shared/replay-safe.js'

// The narrow seams between the public backend and a layout: one store per logical table. Each
// layout implements them in its own folder; `LayoutBackend` puts either behind `StorageBackend`.

export interface SiteStore {
  save(site: SiteInput): Promise<Site>
  get(siteId: string): Promise<Site | null>
  list(options?: ListOptions): Promise<ListResult<Site>>
  withRuns(siteId: string, options?: { limit?: number }): Promise<{ site: Site | null; runs: CrawlRun[] }>
}

export interface RunStore {
  save(run: CrawlRunInput): Promise<CrawlRun>
  get(runId: string): Promise<CrawlRun | null>
  list(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>>
  latest(siteId: string): Promise<CrawlRun | null>
}

export interface PageStore {
  save(page: PageInput, options?: SaveOptions): Promise<Page>
  /**
   * A validated page's write, built and checked (item size) but not sent; its count changes are
   * applied by `applyCounts`.
   */
  prepareWrite(page: Page, expectedRevision?: number, options?: PageWriteOptions): PreparedSave
  applyCounts(deltas: PageCountDelta[]): Promise<void>
  get(siteId: string, pageId: string): Promise<Page | null>
  byUrl(siteId: string, url: string): Promise<Page | null>
  list(siteId: string, options?: ListOptions & { includeTombstones?: boolean }): Promise<ListResult<Page>>
  needingRecrawl(
    siteId: string,
    options?: ListOptions & { maxAgeHours?: number; now?: Date },
  ): Promise<ListResult<Page>>
  count(siteId: string, options?: { includeTombstones?: boolean }): Promise<number>
  saveBulk(pages: PageInput[]): Promise<number>
}

export interface VersionStore {
  save(version: PageVersionInput): Promise<PageVersion>
  /** Writes a validated version: body chunks first, the version item last. */
  write(version: PageVersion): Promise<void>
  saveBulk(versions: PageVersionInput[]): Promise<number>
  get(pageId: string, versionId: string): Promise<PageVersion | null>
  current(pageId: string): Promise<PageVersion | null>
  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>>
  pageWithVersions(
    siteId: string,
    pageId: string,
    limit: number,
  ): Promise<{ page: Page | null; versions: PageVersion[] }>
}

export interface FrontierStore {
  save(item: FrontierItemInput): Promise<FrontierItem>
  enqueue(items: FrontierItemInput[]): Promise<{ added: number; duplicates: number }>
  list(runId: string, options?: ListOptions & { status?: FrontierStatus }): Promise<ListResult<FrontierItem>>
  claim(runId: string, options: ClaimOptions): Promise<FrontierItem[]>
  updateStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: { error?: string; workerId?: string },
  ): Promise<FrontierItem>
  clear(runId: string): Promise<number>
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
  deleteSite(siteId: string): Promise<{ deleted: boolean; items: number }>
  /** What `initialize()` creates. */
  tables: LayoutTables
  /** Raw items ↔ logical records, for migration and verify. */
  records: RecordCodec
}
