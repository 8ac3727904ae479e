import { diffMetrics, type RequestMetrics } from '../engine/metrics.js'
import { frontierItemIdFor, newVersionId, urlHashFor } from '../model/ids.js'
import type { FrontierItem, Page, PageVersion } from '../model/schemas.js'
import type { StorageBackend } from '../services/contract.js'

/** The ids an access-pattern run works on: a seeded site with pages, versions, runs and a frontier. */
export interface PatternFixture {
  siteId: string
  runId: string
  pageId: string
  url: string
  versionId: string
}

export interface AccessPattern {
  /** Row of DESIGN.md's access-pattern table. */
  row: number
  name: string
  /** What the single-table layout reads or writes to serve it. */
  keyOrIndex: string
  /** What the documented multi-table layout reads or writes to serve it. */
  multiTable: string
  /** Reads done before the measured call (not counted). */
  prepare?: (backend: StorageBackend, fixture: PatternFixture) => Promise<Prepared>
  run: (backend: StorageBackend, fixture: PatternFixture, prepared: Prepared) => Promise<string>
}

interface Prepared {
  page?: Page
  version?: PageVersion
  item?: FrontierItem
}

/** A fresh item of the fixture's run, enqueued first in the queue and claimed by `workerId` (a prepare step). */
async function claimOne(
  backend: StorageBackend,
  fixture: PatternFixture,
  workerId: string,
): Promise<Prepared> {
  const url = `https://demo.example/held/${newVersionId()}`
  await backend.enqueueFrontierItems([queuedItem(fixture, url, 1_000_000)])
  const [item] = await backend.claimFrontierItems(fixture.runId, { workerId, limit: 1 })
  return item ? { item } : {}
}

/** A frontier item of the fixture's run for `url`. */
function queuedItem(fixture: PatternFixture, url: string, priority: number) {
  return {
    itemId: frontierItemIdFor(fixture.runId, url),
    runId: fixture.runId,
    siteId: fixture.siteId,
    url,
    normalizedUrl: url,
    urlHash: urlHashFor(url),
    depth: 1,
    domain: 'demo.example',
    priority,
  }
}

const CLAIM_SIZE = 5

/**
 * Every access pattern of the design, run through the typed API. The demo prints their cost, the
 * request-count test pins it, and the benchmark times it: one list, so the three cannot disagree.
 */
export const ACCESS_PATTERNS: AccessPattern[] = [
  {
    row: 1,
    name: 'get site',
    keyOrIndex: 'table: pk=site',
    multiTable: 'sites: GetItem',
    run: async (b, f) => `${(await b.getSite(f.siteId))?.name}`,
  },
  {
    row: 1,
    name: 'list sites (page of 100)',
    keyOrIndex: 'gsi1: one sites partition, sk=createdAt',
    multiTable: 'sites: Scan (no documented key orders sites), sorted',
    run: async (b) => `${(await b.listSites()).items.length} sites`,
  },
  {
    row: 2,
    name: 'site with its latest 5 runs',
    keyOrIndex: 'gsi2 collection siteRuns: pk=site',
    multiTable: 'sites GetItem + runs site_id-created_at-index Query',
    run: async (b, f) => `${(await b.getSiteWithRuns(f.siteId, { limit: 5 })).runs.length} runs`,
  },
  {
    row: 3,
    name: 'get run by id',
    keyOrIndex: 'table: pk=run',
    multiTable: 'runs: documented run_id-index',
    run: async (b, f) => `${(await b.getRun(f.runId))?.status}`,
  },
  {
    row: 3,
    name: 'runs of a site (page of 100)',
    keyOrIndex: 'gsi2: pk=site, sk=createdAt desc',
    multiTable: 'runs: site_id-created_at-index desc',
    run: async (b, f) => `${(await b.listRuns(f.siteId)).items.length} runs`,
  },
  {
    row: 3,
    name: 'latest run',
    keyOrIndex: 'gsi2: pk=site, Limit 1 desc',
    multiTable: 'runs: site_id-created_at-index, Limit 1 desc',
    run: async (b, f) => `${(await b.getLatestRun(f.siteId))?.runId}`,
  },
  {
    row: 4,
    name: 'page by id',
    keyOrIndex: 'table: pk=page, sk=site',
    multiTable: 'pages: GetItem site_id + page_id',
    run: async (b, f) => `${(await b.getPage(f.siteId, f.pageId))?.url}`,
  },
  {
    row: 4,
    name: 'page by URL',
    keyOrIndex: 'gsi2: pk=site+URL (hashed past 256 B)',
    multiTable: 'pages: documented url-index, filter site_id',
    run: async (b, f) => `${(await b.getPageByUrl(f.siteId, f.url))?.pageId}`,
  },
  {
    row: 5,
    name: 'live pages (page of 100)',
    keyOrIndex: 'gsi1: pk=site, sk begins live#',
    multiTable: 'pages: site_id partition, filter live',
    run: async (b, f) => `${(await b.listPages(f.siteId)).items.length} pages`,
  },
  {
    row: 5,
    name: 'pages with tombstones (page of 100)',
    keyOrIndex: 'gsi1: pk=site',
    multiTable: 'pages: site_id partition',
    run: async (b, f) => `${(await b.listPages(f.siteId, { includeTombstones: true })).items.length} pages`,
  },
  {
    row: 6,
    name: 'pages needing recrawl (page of 100)',
    keyOrIndex: 'gsi3 (sparse, live only): pk=site, sk=lastCrawled',
    multiTable: 'pages: never-crawled from the partition, then site_id-last_crawled-index',
    run: async (b, f) =>
      `${(await b.getPagesNeedingRecrawl(f.siteId, { maxAgeHours: 24 })).items.length} pages`,
  },
  {
    row: 11,
    name: 'page changes (page of 100)',
    keyOrIndex: 'gsi5 (sparse, changes): pk=site, sk=changedAt + page',
    multiTable: 'pages: added site_id-change_marker-index',
    run: async (b, f) => `${(await b.listPageChanges(f.siteId)).items.length} changes`,
  },
  {
    row: 7,
    name: 'count pages',
    keyOrIndex: 'table: counter item pk=site',
    multiTable: 'sites: counters on the site item',
    run: async (b, f) => `${await b.countPages(f.siteId)} live`,
  },
  {
    row: 8,
    name: 'current version',
    keyOrIndex: 'table collection pageVersions: pk=page, Limit 2 desc (page, newest version)',
    multiTable: 'versions: page_id partition, Limit desc; then pages GetItem (current_version_id)',
    run: async (b, f) => `${(await b.getCurrentVersion(f.pageId))?.versionId}`,
  },
  {
    row: 8,
    name: 'version by id',
    keyOrIndex: 'table: pk=page, sk=version',
    multiTable: 'versions: GetItem page_id + version_id',
    run: async (b, f) => `${(await b.getVersion(f.pageId, f.versionId))?.contentHash}`,
  },
  {
    row: 8,
    name: 'versions newest first (page of 100)',
    keyOrIndex: 'table: pk=page, sk desc',
    multiTable: 'versions: page_id partition desc',
    run: async (b, f) => `${(await b.listVersions(f.pageId)).items.length} versions`,
  },
  {
    row: 8,
    name: 'page with its latest 5 versions',
    keyOrIndex: 'table collection pageVersions: pk=page',
    multiTable: 'pages GetItem + versions Query, in parallel',
    run: async (b, f) =>
      `${(await b.getPageWithVersions(f.siteId, f.pageId, { limit: 5 })).versions.length} versions`,
  },
  {
    row: 9,
    name: `enqueue ${CLAIM_SIZE} URLs (deduped)`,
    keyOrIndex: 'table: conditional PutItem per item',
    multiTable: 'frontier: conditional PutItem per item',
    run: async (b, f) => {
      const stamp = newVersionId()
      const urls = Array.from({ length: CLAIM_SIZE }, (_, i) => `https://demo.example/queued/${stamp}/${i}`)
      const result = await b.enqueueFrontierItems(urls.map((url) => queuedItem(f, url, 1_000)))
      return `${result.added} added`
    },
  },
  {
    row: 9,
    name: 'frontier by status (page of 100)',
    keyOrIndex: 'gsi1: pk=run+shard+status, sk=priority',
    multiTable: 'frontier: added run_status-queue_order-index (+ fallback read on the last page)',
    run: async (b, f) => `${(await b.getFrontierItems(f.runId, { status: 'pending' })).items.length} pending`,
  },
  {
    row: 9,
    name: `claim next ${CLAIM_SIZE}`,
    keyOrIndex: 'gsi3 (claim index) Query + conditional UpdateItem per item',
    multiTable: 'frontier: added run_id-queue_key-index Query + conditional UpdateItem per item',
    run: async (b, f) =>
      `${(await b.claimFrontierItems(f.runId, { workerId: 'pattern-worker', limit: CLAIM_SIZE })).length} claimed`,
  },
  {
    row: 9,
    name: 'extend a lease',
    keyOrIndex: 'table: conditional UpdateItem (owner, in_progress)',
    multiTable: 'frontier: conditional UpdateItem (owner, in_progress)',
    prepare: (b, f) => claimOne(b, f, 'pattern-lease'),
    run: async (b, f, { item }) => {
      const options = { workerId: 'pattern-lease', leaseSeconds: 600 }
      return `lease to ${(await b.extendFrontierLease(f.runId, item!.itemId, options)).leaseExpiresAt?.toISOString()}`
    },
  },
  {
    row: 9,
    name: 'retry an item (backoff)',
    keyOrIndex: 'table: consistent GetItem, then conditional UpdateItem',
    multiTable: 'frontier: consistent GetItem, then conditional UpdateItem',
    prepare: (b, f) => claimOne(b, f, 'pattern-retry'),
    run: async (b, f, { item }) => {
      const retried = await b.retryFrontierItem(f.runId, item!.itemId, {
        workerId: 'pattern-retry',
        error: 'HTTP 503',
      })
      return `retry ${retried.retryCount}, ${retried.status}`
    },
  },
  {
    row: 4,
    name: 'save existing page',
    keyOrIndex: 'table: one UpdateItem (revision +1)',
    multiTable: 'pages: one UpdateItem (revision +1)',
    prepare: async (b, f) => ({ page: (await b.getPage(f.siteId, f.pageId)) ?? undefined }),
    run: async (b, _f, { page }) =>
      `revision ${(await b.savePage({ ...page!, lastSeen: new Date() })).revision}`,
  },
  {
    row: 8,
    name: 'commit version to existing page',
    keyOrIndex: 'table: PutItem version, then UpdateItem page',
    multiTable: 'versions PutItem, then pages UpdateItem',
    prepare: async (b, f) => ({
      page: (await b.getPage(f.siteId, f.pageId)) ?? undefined,
      version: (await b.getCurrentVersion(f.pageId)) ?? undefined,
    }),
    run: async (b, _f, { page, version }) => {
      const next = { ...version!, versionId: newVersionId(), createdAt: new Date() }
      const committed = await b.commitVersion({ ...page!, versionCount: page!.versionCount + 1 }, next)
      return `page at ${committed.page.currentVersionId}`
    },
  },
]

/** What one run of a pattern returned and cost (its `prepare` step excluded). */
export interface PatternCost {
  pattern: AccessPattern
  result: string
  metrics: RequestMetrics
}

export async function measurePattern(
  backend: StorageBackend,
  pattern: AccessPattern,
  fixture: PatternFixture,
): Promise<PatternCost> {
  const prepared = (await pattern.prepare?.(backend, fixture)) ?? {}
  const before = backend.metrics()
  const result = await pattern.run(backend, fixture, prepared)
  return { pattern, result, metrics: diffMetrics(backend.metrics(), before) }
}
