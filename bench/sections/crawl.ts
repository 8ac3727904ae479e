import { diffMetrics } from '../../src/engine/metrics.js'
import {
  type FrontierItemInput,
  frontierItemIdFor,
  newVersionId,
  type Page,
  PageSchema,
  PageVersionSchema,
  pageIdFor,
  type StorageBackend,
  urlHashFor,
} from '../../src/index.js'
import { shardOf } from '../../src/keys/key-part.js'
import type { RunningEngine } from '../engines.js'
import { type LayoutName, openBackend, reopenBackend } from '../layouts.js'
import type { CrawlOutcome, CrawlResult, CrawlRow, OutcomeCost } from '../report/types.js'
import { dropTables } from '../support/drop-tables.js'
import { mean, timed } from '../support/stats.js'

export const SITE = 'crawl'
const CLAIM_LIMIT = 1
const HOUR = 3_600_000

/** URL `u` is unchanged, changed or new by `u mod 5`: 3 in 5 unchanged, 1 changed, 1 new. */
export const CRAWL_MIX: Record<CrawlOutcome, number> = { unchanged: 0.6, changed: 0.2, new: 0.2 }

export function classOf(u: number): CrawlOutcome {
  const r = u % 5
  return r < 3 ? 'unchanged' : r === 3 ? 'changed' : 'new'
}

/** The id of worker `w` of a simulation. */
export const crawlWorkerId = (w: number) => `worker-${w}`

/** Distinct home shards (`shardOf` their ids) of `workers` workers over `shards` frontier shards. */
export function homeShards(workers: number, shards: number): number {
  return new Set(Array.from({ length: workers }, (_, w) => shardOf(crawlWorkerId(w), shards))).size
}

/** One simulation: its workers, and the frontier shards of its backends (single-table only). */
interface Simulation {
  workers: number
  frontierShards: number
}

/** Names a simulation in its URLs and content: `16` (one shard), `16s16` (16 shards). */
const simulationKey = ({ workers, frontierShards }: Simulation) =>
  frontierShards === 1 ? String(workers) : `${workers}s${frontierShards}`

/** A known page's URL, or a URL new to the site in simulation `key`. */
export function urlOf(u: number, key: string): string {
  return classOf(u) === 'new' ? `https://crawl.example/new/${key}/${u}` : `https://crawl.example/docs/${u}`
}

/** The content hash the simulated fetch of URL `u` sees in simulation `key`. */
export function fetchedHash(u: number, key: string): string {
  return classOf(u) === 'unchanged' ? `c${u}` : `c${u}-w${key}`
}

interface Tally {
  pages: number
  requests: number
  rcu: number
  wcu: number
  versionWrites: number
}

const emptyTally = (): Tally => ({ pages: 0, requests: 0, rcu: 0, wcu: 0, versionWrites: 0 })

/**
 * Crawl simulations: W workers (each its own backend and client, as separate processes would be)
 * running the crawler's per-page sequence over a run's frontier — claim 1, getPage, then
 * commitVersion when the content changed (or the page is new) else savePage touching lastCrawled,
 * then updateFrontierStatus completed — with conditional writes on the page revision. On the
 * single table, `shardedWorkers` workers run once more with as many frontier shards, so that
 * each worker claims from a partition of its own instead of racing the others for the queue head.
 */
export async function runCrawl(
  engine: RunningEngine,
  layout: LayoutName,
  options: {
    urls: number
    workers: number[]
    shardedWorkers: number | null
    budgetSeconds: number
    log: (line: string) => void
  },
): Promise<{ result: CrawlResult | null; skipped?: string }> {
  const opened = await openBackend(engine.endpoint, layout, { label: 'crawl' })
  if ('skipped' in opened) return { result: null, skipped: opened.skipped }
  const { backend, tablePrefix } = opened
  try {
    options.log(`seeded ${await seedKnownPages(backend, options.urls)} known pages`)
    const rows: CrawlRow[] = []
    const simulations: Simulation[] = options.workers.map((workers) => ({ workers, frontierShards: 1 }))
    if (options.shardedWorkers !== null && layout === 'single-table')
      simulations.push({ workers: options.shardedWorkers, frontierShards: options.shardedWorkers })
    for (const simulation of simulations) {
      const key = simulationKey(simulation)
      const runId = `crawl-run-${key}`
      await enqueueRun(
        engine.endpoint,
        layout,
        tablePrefix,
        runId,
        key,
        options.urls,
        simulation.frontierShards,
      )
      rows.push(
        await simulate(
          engine.endpoint,
          layout,
          tablePrefix,
          runId,
          simulation,
          options.urls,
          options.budgetSeconds,
        ),
      )
      const row = rows.at(-1)!
      options.log(
        `${key} workers: ${row.pagesPerSec.toFixed(0)} pages/s, ${row.requestsPerPage.toFixed(1)} requests/page${row.stopped ? `; stopped: ${row.stopped}` : ''}`,
      )
    }
    return {
      result: {
        engine: engine.name,
        engineLabel: engine.label,
        layout,
        measuredAt: new Date().toISOString(),
        mix: CRAWL_MIX,
        claimLimit: CLAIM_LIMIT,
        rows,
        versionCheck: await checkVersions(
          backend,
          options.urls,
          rows.every((row) => row.stopped === null) ? rows.length : null,
        ),
      },
    }
  } finally {
    await backend.close()
    await dropTables(engine.endpoint, tablePrefix)
  }
}

/** Saves the pages the crawl will find known (unchanged or changed); returns how many. */
export async function seedKnownPages(backend: StorageBackend, urls: number): Promise<number> {
  const known = Array.from({ length: urls }, (_, u) => u).filter((u) => classOf(u) !== 'new')
  const now = Date.now()
  for (let i = 0; i < known.length; i += 1_000) {
    await backend.savePagesBulk(known.slice(i, i + 1_000).map((u) => knownPage(u, now)))
  }
  return known.length
}

/**
 * Enqueues a run's frontier of `urls` URLs for simulation `key`, with `frontierShards` shards (an
 * item's shard is chosen when it is written, so the enqueuer has the simulation's shard count).
 */
export async function enqueueRun(
  endpoint: string,
  layout: LayoutName,
  tablePrefix: string,
  runId: string,
  key: string,
  urls: number,
  frontierShards: number,
): Promise<void> {
  const items: FrontierItemInput[] = Array.from({ length: urls }, (_, u) => {
    const url = urlOf(u, key)
    return {
      itemId: frontierItemIdFor(runId, url),
      runId,
      siteId: SITE,
      url,
      normalizedUrl: url,
      urlHash: urlHashFor(url),
      depth: 1,
      priority: 0,
      domain: 'crawl.example',
    }
  })
  const enqueuer = reopenBackend(endpoint, layout, tablePrefix, { frontierShards })
  try {
    for (let i = 0; i < items.length; i += 1_000)
      await enqueuer.enqueueFrontierItems(items.slice(i, i + 1_000))
  } finally {
    await enqueuer.close()
  }
}

function knownPage(u: number, now: number): Page {
  const url = `https://crawl.example/docs/${u}`
  return PageSchema.parse({
    pageId: pageIdFor(SITE, url),
    siteId: SITE,
    url,
    firstSeen: new Date(now - 72 * HOUR),
    lastSeen: new Date(now - 24 * HOUR),
    lastCrawled: new Date(now - 24 * HOUR),
    depth: 1,
    statusCode: 200,
    contentHash: `c${u}`,
  })
}

/** Pages whose per-page requests are compared, first and last, to see the cost grow. */
const WINDOW = 100
/** A simulation stops when its last pages cost this many times its first in requests. */
const GROWTH_STOP = 10

/**
 * Stops a simulation early, with the reason: when its time budget runs out, or when the requests
 * per page have grown `GROWTH_STOP`-fold since its first pages (a cost that grows with the run
 * would otherwise keep the bench busy for hours).
 */
function stopCheck(perPage: number[], started: number, budgetSeconds: number): string | null {
  const seconds = (Date.now() - started) / 1000
  if (seconds > budgetSeconds)
    return `time budget of ${budgetSeconds} s ran out after ${perPage.length} pages`
  if (perPage.length >= 2 * WINDOW) {
    const first = mean(perPage.slice(0, WINDOW))
    const last = mean(perPage.slice(-WINDOW))
    if (last > GROWTH_STOP * first) {
      return `requests per page grew from ${first.toFixed(1)} (first ${WINDOW} pages) to ${last.toFixed(1)} (last ${WINDOW}) after ${perPage.length} pages`
    }
  }
  return null
}

async function simulate(
  endpoint: string,
  layout: LayoutName,
  tablePrefix: string,
  runId: string,
  simulation: Simulation,
  urls: number,
  budgetSeconds: number,
): Promise<CrawlRow> {
  const { workers, frontierShards } = simulation
  const key = simulationKey(simulation)
  const byUrl = new Map(Array.from({ length: urls }, (_, u) => [urlOf(u, key), u]))
  const tallies: Record<CrawlOutcome, Tally> = {
    new: emptyTally(),
    changed: emptyTally(),
    unchanged: emptyTally(),
  }
  let emptyClaims = 0
  const perPage: number[] = []
  let stopped: string | null = null
  const started = Date.now()
  const backends = Array.from({ length: workers }, () =>
    reopenBackend(endpoint, layout, tablePrefix, { frontierShards }),
  )
  try {
    const { ms } = await timed(() =>
      Promise.all(
        backends.map(async (backend, w) => {
          const workerId = crawlWorkerId(w)
          let misses = 0
          while (misses < 3 && stopped === null) {
            const before = backend.metrics()
            const [item] = await backend.claimFrontierItems(runId, { workerId, limit: CLAIM_LIMIT })
            if (!item) {
              misses++
              emptyClaims++
              continue
            }
            misses = 0
            const u = byUrl.get(item.url)!
            const outcome = await crawlPage(backend, runId, item.url, fetchedHash(u, key))
            await backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId })
            const cost = diffMetrics(backend.metrics(), before)
            const tally = tallies[outcome]
            tally.pages++
            tally.requests += cost.requests
            tally.rcu += cost.readCapacityUnits
            tally.wcu += cost.writeCapacityUnits
            tally.versionWrites += cost.byOperation.PutItem?.requests ?? 0
            perPage.push(cost.requests)
            stopped ??= stopCheck(perPage, started, budgetSeconds)
          }
        }),
      ),
    )
    const all = Object.values(tallies).reduce((sum, t) => ({
      pages: sum.pages + t.pages,
      requests: sum.requests + t.requests,
      rcu: sum.rcu + t.rcu,
      wcu: sum.wcu + t.wcu,
      versionWrites: sum.versionWrites + t.versionWrites,
    }))
    const per = (t: Tally): OutcomeCost => ({
      pages: t.pages,
      requestsPerPage: t.requests / t.pages,
      rcuPerPage: t.rcu / t.pages,
      wcuPerPage: t.wcu / t.pages,
      versionWritesPerPage: t.versionWrites / t.pages,
    })
    return {
      workers,
      frontierShards,
      urls,
      seconds: ms / 1000,
      pagesPerSec: all.pages / (ms / 1000),
      requestsPerPage: all.requests / all.pages,
      rcuPerPage: all.rcu / all.pages,
      wcuPerPage: all.wcu / all.pages,
      emptyClaims,
      requestsPerPageFirst: mean(perPage.slice(0, WINDOW)),
      requestsPerPageLast: mean(perPage.slice(-WINDOW)),
      stopped,
      outcomes: { new: per(tallies.new), changed: per(tallies.changed), unchanged: per(tallies.unchanged) },
    }
  } finally {
    await Promise.all(backends.map((backend) => backend.close()))
  }
}

/** The per-page sequence after the claim: read the page, then a version commit or a plain save. */
export async function crawlPage(
  backend: StorageBackend,
  runId: string,
  url: string,
  hash: string,
): Promise<CrawlOutcome> {
  const pageId = pageIdFor(SITE, url)
  const existing = await backend.getPage(SITE, pageId)
  const now = new Date()
  if (existing && existing.contentHash === hash) {
    await backend.savePage(
      { ...existing, lastCrawled: now, lastSeen: now },
      { expectedRevision: existing.revision },
    )
    return 'unchanged'
  }
  const version = PageVersionSchema.parse({
    versionId: newVersionId(),
    pageId,
    siteId: SITE,
    runId,
    markdown: `# ${url}\n\n${'Crawled documentation text. '.repeat(12)}\n\nContent ${hash}.\n`,
    contentHash: hash,
    url,
    statusCode: 200,
    crawledAt: now,
    wordCount: 40,
  })
  const page = existing
    ? { ...existing, versionCount: existing.versionCount + 1 }
    : { pageId, siteId: SITE, url, firstSeen: now, depth: 2, versionCount: 1 }
  await backend.commitVersion(
    {
      ...page,
      contentHash: hash,
      currentVersionId: version.versionId,
      lastSeen: now,
      lastCrawled: now,
      lastChanged: now,
      statusCode: 200,
    },
    version,
    { expectedRevision: existing?.revision ?? 0 },
  )
  return existing ? 'changed' : 'new'
}

/**
 * Unchanged pages must have no version after all simulations; changed ones one per simulation
 * (checked only when every simulation ran to the end: `simulations` null otherwise).
 */
async function checkVersions(backend: StorageBackend, urls: number, simulations: number | null) {
  const sample = Array.from({ length: Math.min(urls, 200) }, (_, u) => u).filter((u) => classOf(u) !== 'new')
  let unchangedChecked = 0
  let unchangedWithVersions = 0
  let changedChecked = 0
  let changedWithWrongCount = 0
  for (const u of sample) {
    const pageId = pageIdFor(SITE, `https://crawl.example/docs/${u}`)
    const { items } = await backend.listVersions(pageId, { limit: 100 })
    if (classOf(u) === 'unchanged') {
      unchangedChecked++
      if (items.length > 0) unchangedWithVersions++
    } else if (simulations !== null) {
      changedChecked++
      if (items.length !== simulations) changedWithWrongCount++
    }
  }
  return { unchangedChecked, unchangedWithVersions, changedChecked, changedWithWrongCount }
}
