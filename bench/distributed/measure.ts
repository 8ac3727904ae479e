/**
 * `tsx bench/distributed/measure.ts [urls] [rowSeconds]`: the distributed section (6) on dynalite
 * at 1 and 16 workers × 1 and 16 shards (single table) and 1 and 16 workers (multi-table), then the
 * crawl section's multi-table run for its first-100 vs last-100 requests/page. Prints one JSON line.
 */
import { startEngine } from '../engines.js'
import { runCrawl } from '../sections/crawl.js'
import { runDistributed } from '../sections/distributed.js'

const urls = Number(process.argv[2] ?? 500)
const rowSeconds = Number(process.argv[3] ?? 10)
const crawlUrls = Number(process.argv[4] ?? 1000)
const log = (line: string) => process.stderr.write(`${line}\n`)
const engine = await startEngine('dynalite')
try {
  const { result } = await runDistributed(
    engine,
    ['single-table', 'multi-table'],
    {
      urls,
      workers: [1, 16],
      shards: [1, 16],
      multiTableWorkers: [1, 16],
      workersPerProcess: 4,
      roundTripMs: 4,
      rowSeconds,
      budgetWcuPerSecond: 5,
      budgetBurstWcu: 5,
      budgetWorkers: 4,
      budgetShards: [],
    },
    log,
  )
  const rows = result.rows.map((r) => ({
    layout: r.layout,
    workers: r.workers,
    shards: r.frontierShards,
    pages: r.pages,
    pagesPerSec: Number(r.pagesPerSec.toFixed(1)),
    requestsPerPage: Number(r.requestsPerPage.toFixed(2)),
    emptyClaims: r.emptyClaims,
    stopped: r.stopped,
  }))
  const crawl = await runCrawl(engine, 'multi-table', {
    urls: crawlUrls,
    workers: [1],
    shardedWorkers: null,
    budgetSeconds: 120,
    log,
  })
  const multi = crawl.result?.rows.map((r) => ({
    workers: r.workers,
    first100: Number(r.requestsPerPageFirst.toFixed(2)),
    last100: Number(r.requestsPerPageLast.toFixed(2)),
    stopped: r.stopped,
  }))
  process.stdout.write(`${JSON.stringify({ rows, multiTableCrawl: multi })}\n`)
} finally {
  await engine.stop()
}
