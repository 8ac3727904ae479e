import type { RequestMetrics } from '../engine/metrics.js'
import type {
  CrawlRunInput,
  FrontierItemInput,
  FrontierStatus,
  PageInput,
  PageVersionInput,
  SiteInput,
} from '../model/schemas.js'
import { PageSchema, PageVersionSchema } from '../model/schemas.js'
import { validate } from '../model/validate.js'
import type { ClaimOptions, HealthReport, SaveOptions, StorageBackend } from './contract.js'
import type { Layout } from './layout.js'
import { toStorageError } from './shared/aws-errors.js'
import { healthOf, initializeTables } from './shared/lifecycle.js'
import type { ListOptions } from './shared/listing.js'
import { assertRevision } from './shared/pages.js'
import { tokenFor } from './shared/replay-safe.js'
import { assertSamePage } from './shared/versions.js'

/**
 * The public `StorageBackend` over either layout: validation and error translation at one
 * boundary, the work in the layout's stores.
 */
export class LayoutBackend implements StorageBackend {
  constructor(private readonly layout: Layout) {}

  /** The transport every request goes through (metrics, listeners). */
  get transport() {
    return this.layout.transport
  }

  saveSite = (site: SiteInput) => guard('saveSite', () => this.layout.sites.save(site))
  getSite = (siteId: string) => guard('getSite', () => this.layout.sites.get(siteId))
  listSites = (options?: ListOptions) => guard('listSites', () => this.layout.sites.list(options))
  deleteSite = (siteId: string) => guard('deleteSite', () => this.layout.deleteSite(siteId))
  getSiteWithRuns = (siteId: string, options?: { limit?: number }) =>
    guard('getSiteWithRuns', () => this.layout.sites.withRuns(siteId, options))

  saveRun = (run: CrawlRunInput) => guard('saveRun', () => this.layout.runs.save(run))
  getRun = (runId: string) => guard('getRun', () => this.layout.runs.get(runId))
  listRuns = (siteId: string, options?: ListOptions) =>
    guard('listRuns', () => this.layout.runs.list(siteId, options))
  getLatestRun = (siteId: string) => guard('getLatestRun', () => this.layout.runs.latest(siteId))

  savePage = (page: PageInput, options?: SaveOptions) =>
    guard('savePage', () => this.layout.pages.save(page, options))
  getPage = (siteId: string, pageId: string) => guard('getPage', () => this.layout.pages.get(siteId, pageId))
  getPageByUrl = (siteId: string, url: string) =>
    guard('getPageByUrl', () => this.layout.pages.byUrl(siteId, url))
  listPages = (siteId: string, options?: ListOptions & { includeTombstones?: boolean }) =>
    guard('listPages', () => this.layout.pages.list(siteId, options))
  getPagesNeedingRecrawl = (siteId: string, options?: ListOptions & { maxAgeHours?: number; now?: Date }) =>
    guard('getPagesNeedingRecrawl', () => this.layout.pages.needingRecrawl(siteId, options))
  countPages = (siteId: string, options?: { includeTombstones?: boolean }) =>
    guard('countPages', () => this.layout.pages.count(siteId, options))
  savePagesBulk = (pages: PageInput[]) => guard('savePagesBulk', () => this.layout.pages.saveBulk(pages))

  saveVersion = (version: PageVersionInput) => guard('saveVersion', () => this.layout.versions.save(version))
  getVersion = (pageId: string, versionId: string) =>
    guard('getVersion', () => this.layout.versions.get(pageId, versionId))
  getCurrentVersion = (pageId: string) =>
    guard('getCurrentVersion', () => this.layout.versions.current(pageId))
  listVersions = (pageId: string, options?: ListOptions) =>
    guard('listVersions', () => this.layout.versions.list(pageId, options))
  saveVersionsBulk = (versions: PageVersionInput[]) =>
    guard('saveVersionsBulk', () => this.layout.versions.saveBulk(versions))
  getPageWithVersions = (siteId: string, pageId: string, options?: { limit?: number }) =>
    guard('getPageWithVersions', () =>
      this.layout.versions.pageWithVersions(siteId, pageId, options?.limit ?? 10),
    )

  /**
   * The version first (its chunks before it), then the page pointing at it; the page write is
   * built and checked (item size) before the version is written. With `expectedRevision`, the page
   * write's token is derived from the call (page, version, expectedRevision), so calling again
   * after a failure that came after the page write is recognised as the same commit and completes
   * it, answering what the first call would have.
   */
  commitVersion = (page: PageInput, version: PageVersionInput, options?: SaveOptions) =>
    guard('commitVersion', async () => {
      const parsedVersion = validate(PageVersionSchema, version, 'version')
      const parsedPage = validate(PageSchema, { ...page, currentVersionId: parsedVersion.versionId }, 'page')
      assertSamePage(parsedPage, parsedVersion)
      assertRevision(options?.expectedRevision)
      const expectedRevision = options?.expectedRevision
      const { revision: _ignored, ...fields } = parsedPage
      const pageWrite = this.layout.pages.prepareWrite(parsedPage, expectedRevision, {
        ...(expectedRevision === undefined
          ? {}
          : { token: tokenFor(['commitVersion', fields, expectedRevision]) }),
      })
      await this.layout.versions.write(parsedVersion)
      const { page: saved, deltas } = await pageWrite.send()
      await this.layout.pages.applyCounts(deltas)
      return { page: saved, version: parsedVersion }
    })

  saveFrontierItem = (item: FrontierItemInput) =>
    guard('saveFrontierItem', () => this.layout.frontier.save(item))
  enqueueFrontierItems = (items: FrontierItemInput[]) =>
    guard('enqueueFrontierItems', () => this.layout.frontier.enqueue(items))
  getFrontierItems = (runId: string, options?: ListOptions & { status?: FrontierStatus }) =>
    guard('getFrontierItems', () => this.layout.frontier.list(runId, options))
  claimFrontierItems = (runId: string, options: ClaimOptions) =>
    guard('claimFrontierItems', () => this.layout.frontier.claim(runId, options))
  updateFrontierStatus = (
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: { error?: string; workerId?: string },
  ) => guard('updateFrontierStatus', () => this.layout.frontier.updateStatus(runId, itemId, status, options))
  clearFrontier = (runId: string) => guard('clearFrontier', () => this.layout.frontier.clear(runId))

  initialize = (): Promise<void> =>
    guard('initialize', async () => {
      await initializeTables(this.layout.transport, this.layout.tables)
    })
  healthReport = (): Promise<HealthReport> => {
    const names = this.layout.tables.definitions.map((d) => d.TableName!)
    return healthOf(this.layout.transport, this.layout.config, names, names[0]!)
  }
  healthCheck = async (): Promise<boolean> => (await this.healthReport()).ok
  close = (): Promise<void> => this.layout.transport.close()
  metrics = (): RequestMetrics => this.layout.transport.metrics.snapshot()
}

async function guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toStorageError(error, operation)
  }
}
