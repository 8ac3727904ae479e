import { type DynamoDBConfig, singleTableName } from '../../config.js'
import type { RequestMetrics } from '../../engine/metrics.js'
import { Transport } from '../../engine/transport.js'
import { TTL_ATTRIBUTE } from '../../entities/common.js'
import { fromStored } from '../../model/read.js'
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
} from '../../model/schemas.js'
import { PageSchema, PageVersionSchema } from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import { singleTableDefinition } from '../../tables/single-table.js'
import { toStorageError } from '../shared/aws-errors.js'
import { healthOf, initializeTables } from '../shared/lifecycle.js'
import type { ListOptions, ListResult } from '../shared/listing.js'
import { assertRevision } from '../shared/pages.js'
import type { ClaimOptions, HealthReport, SaveOptions, StorageBackend } from '../storage-backend.js'
import type { SingleTableContext } from './context.js'
import { SingleTableFrontier } from './frontier.js'
import { SingleTablePages } from './pages.js'
import { SingleTableRuns } from './runs.js'
import { singleTableService } from './service.js'
import { deleteSite } from './site-deletion.js'
import { SingleTableSites } from './sites.js'
import { assertSamePage, SingleTableVersions } from './versions.js'

/** The default layout: one table, ElectroDB entities in one Service. */
export class SingleTableBackend implements StorageBackend {
  private readonly ctx: SingleTableContext
  private readonly sites: SingleTableSites
  private readonly runs: SingleTableRuns
  private readonly pages: SingleTablePages
  private readonly versions: SingleTableVersions
  private readonly frontier: SingleTableFrontier

  constructor(config: DynamoDBConfig, transport = new Transport(config)) {
    const table = singleTableName(config)
    const service = singleTableService(table, transport)
    this.ctx = { config, table, transport, service, entities: service.entities }
    this.sites = new SingleTableSites(this.ctx)
    this.runs = new SingleTableRuns(this.ctx)
    this.pages = new SingleTablePages(this.ctx)
    this.versions = new SingleTableVersions(this.ctx)
    this.frontier = new SingleTableFrontier(this.ctx)
  }

  /** The transport every request goes through (metrics, listeners). */
  get transport(): Transport {
    return this.ctx.transport
  }

  saveSite = (site: SiteInput): Promise<Site> => guard('saveSite', () => this.sites.save(site))
  getSite = (siteId: string): Promise<Site | null> => guard('getSite', () => this.sites.get(siteId))
  listSites = (options?: ListOptions): Promise<ListResult<Site>> =>
    guard('listSites', () => this.sites.list(options))
  deleteSite = (siteId: string) => guard('deleteSite', () => deleteSite(this.ctx, siteId))
  getSiteWithRuns = (siteId: string, options?: { limit?: number }) =>
    guard('getSiteWithRuns', () => this.sites.withRuns(siteId, options))

  saveRun = (run: CrawlRunInput): Promise<CrawlRun> => guard('saveRun', () => this.runs.save(run))
  getRun = (runId: string): Promise<CrawlRun | null> => guard('getRun', () => this.runs.get(runId))
  listRuns = (siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>> =>
    guard('listRuns', () => this.runs.list(siteId, options))
  getLatestRun = (siteId: string): Promise<CrawlRun | null> =>
    guard('getLatestRun', () => this.runs.latest(siteId))

  savePage = (page: PageInput, options?: SaveOptions): Promise<Page> =>
    guard('savePage', () => this.pages.save(page, options))
  getPage = (siteId: string, pageId: string): Promise<Page | null> =>
    guard('getPage', () => this.pages.get(siteId, pageId))
  getPageByUrl = (siteId: string, url: string): Promise<Page | null> =>
    guard('getPageByUrl', () => this.pages.byUrl(siteId, url))
  listPages = (siteId: string, options?: ListOptions & { includeTombstones?: boolean }) =>
    guard('listPages', () => this.pages.list(siteId, options))
  getPagesNeedingRecrawl = (siteId: string, options?: ListOptions & { maxAgeHours?: number; now?: Date }) =>
    guard('getPagesNeedingRecrawl', () => this.pages.needingRecrawl(siteId, options))
  countPages = (siteId: string, options?: { includeTombstones?: boolean }): Promise<number> =>
    guard('countPages', () => this.pages.count(siteId, options))
  savePagesBulk = (pages: PageInput[]): Promise<number> =>
    guard('savePagesBulk', () => this.pages.saveBulk(pages))

  saveVersion = (version: PageVersionInput): Promise<PageVersion> =>
    guard('saveVersion', () => this.versions.save(version))
  getVersion = (pageId: string, versionId: string): Promise<PageVersion | null> =>
    guard('getVersion', () => this.versions.get(pageId, versionId))
  getCurrentVersion = (pageId: string): Promise<PageVersion | null> =>
    guard('getCurrentVersion', () => this.versions.current(pageId))
  listVersions = (pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> =>
    guard('listVersions', () => this.versions.list(pageId, options))
  saveVersionsBulk = (versions: PageVersionInput[]): Promise<number> =>
    guard('saveVersionsBulk', () => this.versions.saveBulk(versions))

  /** The version first, then the page pointing at it: a crash between leaves the page on its old version. */
  commitVersion = (page: PageInput, version: PageVersionInput, options?: SaveOptions) =>
    guard('commitVersion', async () => {
      const parsedVersion = validate(PageVersionSchema, version, 'version')
      const parsedPage = validate(PageSchema, { ...page, currentVersionId: parsedVersion.versionId }, 'page')
      assertSamePage(parsedPage, parsedVersion)
      assertRevision(options?.expectedRevision)
      await this.versions.write(parsedVersion)
      const { page: saved, delta } = await this.pages.write(parsedPage, options?.expectedRevision)
      await this.pages.applyCounts([delta])
      return { page: saved, version: parsedVersion }
    })

  getPageWithVersions = (siteId: string, pageId: string, options?: { limit?: number }) =>
    guard('getPageWithVersions', async () => {
      const { pages, versions } = await this.versions.readCollection(pageId, options?.limit ?? 10)
      const page = pages.find((candidate) => candidate.siteId === siteId)
      return { page: page ? fromStored(PageSchema, page, 'page') : null, versions }
    })

  saveFrontierItem = (item: FrontierItemInput): Promise<FrontierItem> =>
    guard('saveFrontierItem', () => this.frontier.save(item))
  enqueueFrontierItems = (items: FrontierItemInput[]) =>
    guard('enqueueFrontierItems', () => this.frontier.enqueue(items))
  getFrontierItems = (runId: string, options?: ListOptions & { status?: FrontierStatus }) =>
    guard('getFrontierItems', () => this.frontier.list(runId, options))
  claimFrontierItems = (runId: string, options: ClaimOptions): Promise<FrontierItem[]> =>
    guard('claimFrontierItems', () => this.frontier.claim(runId, options))
  updateFrontierStatus = (
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: { error?: string; workerId?: string },
  ): Promise<FrontierItem> =>
    guard('updateFrontierStatus', () => this.frontier.updateStatus(runId, itemId, status, options))
  clearFrontier = (runId: string): Promise<number> => guard('clearFrontier', () => this.frontier.clear(runId))

  initialize = (): Promise<void> =>
    guard('initialize', async () => {
      await initializeTables(this.ctx.transport, {
        definitions: [singleTableDefinition(this.ctx.config)],
        ttlTables: [this.ctx.table],
        ttlAttribute: TTL_ATTRIBUTE,
      })
    })

  healthReport = (): Promise<HealthReport> =>
    healthOf(this.ctx.transport, this.ctx.config, [this.ctx.table], this.ctx.table)
  healthCheck = async (): Promise<boolean> => (await this.healthReport()).ok
  close = (): Promise<void> => this.ctx.transport.close()
  metrics = (): RequestMetrics => this.ctx.transport.metrics.snapshot()
}

async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toStorageError(error, operation)
  }
}
