import { frontierItemIdFor, pageIdFor, type StorageConfigInput, urlHashFor } from '../../src/index.js'
import {
  CrawlRunSchema,
  FrontierItemSchema,
  PageSchema,
  PageVersionSchema,
  SiteSchema,
} from '../../src/model/schemas.js'
import { layoutFor } from '../../src/services/factory.js'
import type { LogicalRecord, LogicalTable } from '../../src/services/migration-codec.js'
import { initializeTables } from '../../src/services/plumbing/lifecycle.js'
import { mapConcurrent } from '../../src/services/plumbing/retry.js'

/**
 * A large crawl for migration tests, built fast: every record is parsed by the model's schemas and
 * written by the layout's own record codec (`layoutFor(config).records.write`, the code a
 * migration writes its target with), in BatchWriteItem requests. The public bulk saves send one
 * conditional request per page or frontier item (about 100 items/s on dynalite), far too slow for
 * 20,000 items in a test; the items written here are exactly what those would store.
 */
export interface SeedPlan {
  /** Logical records of sites, runs, pages, versions and frontier (page counters are extra). */
  total: number
  sites?: number
  runsPerSite?: number
}

export type SeedCounts = Record<LogicalTable, number>

const BASE = Date.parse('2026-01-01T00:00:00.000Z')
const at = (minutes: number) => new Date(BASE + minutes * 60_000)

/** Deterministic records: 45% pages, 30% versions, the rest frontier items, after sites and runs. */
export function buildRecords(plan: SeedPlan): { records: LogicalRecord[]; counts: SeedCounts } {
  const sites = plan.sites ?? 4
  const runsPerSite = plan.runsPerSite ?? 4
  const bulk = plan.total - sites - sites * runsPerSite
  const pageCount = Math.floor(bulk * 0.45)
  const versionCount = Math.min(Math.floor(bulk * 0.3), pageCount * 3)
  const frontierCount = bulk - pageCount - versionCount
  const records: LogicalRecord[] = []
  const siteIds = Array.from({ length: sites }, (_, s) => `seed-site-${s}`)
  const runIds = siteIds.map((siteId) => Array.from({ length: runsPerSite }, (_, r) => `${siteId}-run-${r}`))

  siteIds.forEach((siteId, s) => {
    records.push({
      table: 'sites',
      value: SiteSchema.parse({
        siteId,
        name: `Seed site ${s}`,
        seeds: [`https://s${s}.example.com/`],
        allowedDomains: [`s${s}.example.com`],
        config: { maxDepth: 5, respectRobots: true, nested: { list: [1, 2, 3] } },
        createdAt: at(0),
        updatedAt: at(s),
        lastCrawlAt: s % 2 === 0 ? at(100) : null,
        totalRuns: runsPerSite,
      }),
    })
    runIds[s]!.forEach((runId, r) => {
      records.push({
        table: 'runs',
        value: CrawlRunSchema.parse({
          runId,
          siteId,
          status: r === runsPerSite - 1 ? 'running' : 'completed',
          createdAt: at(r * 10),
          startedAt: at(r * 10 + 1),
          completedAt: r === runsPerSite - 1 ? null : at(r * 10 + 9),
          seeds: [`https://s${s}.example.com/`],
          stats: {
            pagesCrawled: 100 + r,
            statusCodes: { '200': 90, '404': 10 },
            errorsByType: { timeout: r },
            domainsCrawled: [`s${s}.example.com`],
          },
        }),
      })
    })
  })

  const pages: { pageId: string; siteId: string; url: string; live: boolean }[] = []
  const pageCounts = new Map(siteIds.map((siteId) => [siteId, { total: 0, live: 0 }]))
  for (let i = 0; i < pageCount; i++) {
    const siteId = siteIds[i % sites]!
    // A few URLs longer than the multi-table URL index allows (stored hashed + in full).
    const url =
      i % 997 === 0
        ? `https://s${i % sites}.example.com/long/${'segment-'.repeat(300)}${i}`
        : `https://s${i % sites}.example.com/docs/${i}?q=${i % 13}`
    const pageId = pageIdFor(siteId, url)
    const live = i % 20 !== 0
    const page = PageSchema.parse({
      pageId,
      siteId,
      url,
      firstSeen: at(i % 500),
      lastSeen: at(1_000 + (i % 500)),
      lastCrawled: i % 3 === 0 ? null : at(2_000 + (i % 700)),
      depth: i % 6,
      statusCode: live ? 200 : 410,
      isTombstone: !live,
      contentHash: `hash-${i}`,
      etag: i % 4 === 0 ? `"etag-${i}"` : null,
      errorCount: i % 11 === 0 ? 2 : 0,
      lastError: i % 11 === 0 ? 'timeout' : null,
      versionCount: 0,
      revision: (i % 5) + 1,
    })
    records.push({ table: 'pages', value: page })
    pages.push({ pageId, siteId, url, live })
    const count = pageCounts.get(siteId)!
    count.total++
    if (live) count.live++
  }

  for (let v = 0; v < versionCount; v++) {
    const p = pages[v % pages.length]!
    const big = v === 7 || v === versionCount - 3 // compressible past the inline budget: stored gzipped
    records.push({
      table: 'versions',
      value: PageVersionSchema.parse({
        versionId: `v-${v.toString().padStart(6, '0')}-${Math.floor(v / pages.length)}`,
        pageId: p.pageId,
        siteId: p.siteId,
        runId: runIds[siteIds.indexOf(p.siteId)]![v % runsPerSite]!,
        markdown: big
          ? `# Big ${v}\n${'lorem ipsum dolor sit amet '.repeat(14_000)}`
          : `# Page ${v}\n\n${'text '.repeat(40)}${v}`,
        html: v % 5 === 0 ? `<h1>Page ${v}</h1>` : null,
        contentHash: `content-${v}`,
        url: p.url,
        title: `Title ${v}`,
        statusCode: 200,
        headingsOutline: [{ level: 1, text: `Page ${v}` }],
        wordCount: 41,
        outlinks: v % 3 === 0 ? [`https://s0.example.com/docs/${v + 1}`] : [],
        crawledAt: at(3_000 + v),
        createdAt: at(3_000 + v),
        fetchLatencyMs: v % 7 === 0 ? null : 12.5,
        extra: v % 9 === 0 ? { lang: 'en', score: 0.5 } : {},
      }),
    })
  }

  const statuses = ['pending', 'pending', 'pending', 'in_progress', 'completed', 'failed', 'skipped'] as const
  for (let f = 0; f < frontierCount; f++) {
    const s = f % sites
    const runId = runIds[s]![runsPerSite - 1]!
    const url = `https://s${s}.example.com/queue/${f}`
    const status = statuses[f % statuses.length]!
    const done = status === 'completed' || status === 'failed' || status === 'skipped'
    records.push({
      table: 'frontier',
      value: FrontierItemSchema.parse({
        itemId: frontierItemIdFor(runId, url),
        runId,
        siteId: siteIds[s]!,
        url,
        normalizedUrl: url,
        urlHash: urlHashFor(url),
        depth: 1 + (f % 4),
        priority: f % 10,
        status,
        retryCount: status === 'failed' ? 3 : 0,
        lastError: status === 'failed' ? 'HTTP 500' : null,
        discoveredAt: at(4_000 + (f % 1_000)),
        startedAt: status === 'pending' ? null : at(5_000),
        completedAt: done ? at(5_001) : null,
        domain: `s${s}.example.com`,
        workerId: status === 'in_progress' ? `worker-${f % 3}` : null,
        leaseExpiresAt: status === 'in_progress' ? new Date(Date.now() + 3_600_000) : null,
      }),
      // Finished items expire (TTL) a year from now: still there to migrate.
      ...(done ? { ttl: Math.floor(Date.now() / 1000) + 365 * 86_400 } : {}),
    })
  }

  for (const [siteId, { total, live }] of pageCounts)
    records.push({ table: 'pageCounts', value: { siteId, total, live } })

  const counts = { sites: 0, runs: 0, pages: 0, versions: 0, frontier: 0, pageCounts: 0 }
  for (const r of records) counts[r.table]++
  return { records, counts }
}

/**
 * Creates the layout's tables and writes `records` with the layout's codec, `chunk` records per
 * call and `concurrency` calls at once. Returns the elapsed milliseconds.
 */
export async function seedRecords(
  config: StorageConfigInput,
  records: LogicalRecord[],
  options: { chunk?: number; concurrency?: number } = {},
): Promise<number> {
  const started = Date.now()
  const layout = layoutFor(config)
  try {
    await initializeTables(layout.transport, layout.tables)
    const chunk = options.chunk ?? 500
    const chunks: LogicalRecord[][] = []
    for (let i = 0; i < records.length; i += chunk) chunks.push(records.slice(i, i + chunk))
    const results = await mapConcurrent(chunks, options.concurrency ?? 2, (part) =>
      layout.records.write(part),
    )
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  } finally {
    await layout.transport.close()
  }
  return Date.now() - started
}
