import { fileURLToPath } from 'node:url'
import { addMetrics, emptyMetrics, type WorkerJob, type WorkerReport } from '../distributed/protocol.js'
import type { RunningEngine } from '../engines.js'
import { type LayoutName, openBackend } from '../layouts.js'
import type { DistributedSizes } from '../options.js'
import type { DistributedCpu, DistributedResult, DistributedRow } from '../report/types.js'
import { coreCount, cpuBetween, sampleCpu } from '../support/cpu.js'
import { dropTables } from '../support/drop-tables.js'
import { type EngineProcess, engineProcess } from '../support/engine-process.js'
import { type LatencyProxy, startLatencyProxy } from '../support/latency-proxy.js'
import { spawnTsx, type TsxChild } from '../support/tsx-child.js'
import { enqueueRun, seedKnownPages } from './crawl.js'

const WORKER_CHILD = fileURLToPath(new URL('../distributed/worker-child.ts', import.meta.url))

/** A share of one core (or of all cores, for the machine) at which a row counts as CPU-bound. */
const BOUND_SHARE = 0.9
/** Time to give the worker processes to open their backends before they all start at once. */
const START_DELAY_MS = 300

/** One simulation of the section. */
interface Shape {
  layout: LayoutName
  workers: number
  frontierShards: number
  budget: boolean
}

/**
 * Worker processes for `workers` workers: at most `perProcess` workers each, and at least 4
 * processes when there are 4 workers or more (so that 4 workers are 4 processes, 64 are 16).
 */
export function processesFor(workers: number, perProcess: number): number {
  return Math.min(workers, Math.max(Math.ceil(workers / perProcess), 4))
}

const shapeKey = (s: Shape) => `d${s.workers}s${s.frontierShards}${s.budget ? 'b' : ''}`

export function shapesOf(sizes: DistributedSizes, layouts: readonly LayoutName[]): Shape[] {
  const shapes: Shape[] = []
  if (layouts.includes('single-table')) {
    for (const frontierShards of sizes.shards)
      for (const workers of sizes.workers)
        shapes.push({ layout: 'single-table', workers, frontierShards, budget: false })
    for (const frontierShards of sizes.budgetShards)
      shapes.push({ layout: 'single-table', workers: sizes.budgetWorkers, frontierShards, budget: true })
  }
  if (layouts.includes('multi-table')) {
    for (const workers of sizes.multiTableWorkers)
      shapes.push({ layout: 'multi-table', workers, frontierShards: 1, budget: false })
  }
  return shapes
}

/**
 * The distributed crawl simulation: the engine in a process of its own, a loopback proxy adding a
 * region's round-trip to every request (and, in budget mode, a per-partition write budget), and
 * the crawl's workers in several processes, each worker with its own backend and client, crawling
 * one run's frontier through the library's public API. Per simulation: pages/s, requests and
 * capacity per page, throttled requests, and the CPU every process used.
 */
export async function runDistributed(
  engine: RunningEngine,
  layouts: readonly LayoutName[],
  sizes: DistributedSizes,
  log: (line: string) => void,
): Promise<{ result: DistributedResult; skipped: { layout: LayoutName; reason: string }[] }> {
  const server = await engineProcess(engine)
  const proxy = await startLatencyProxy(server.endpoint, { roundTripMs: sizes.roundTripMs, budget: null })
  const rows: DistributedRow[] = []
  const skipped: { layout: LayoutName; reason: string }[] = []
  try {
    for (const layout of layouts) {
      const shapes = shapesOf(sizes, [layout])
      if (shapes.length === 0) continue
      const reason = await runLayout(server, proxy, layout, shapes, sizes, rows, log)
      if (reason) skipped.push({ layout, reason })
    }
  } finally {
    await proxy.stop()
    await server.stop()
  }
  return {
    result: {
      engine: engine.name,
      engineLabel: server.label,
      measuredAt: new Date().toISOString(),
      roundTripMs: sizes.roundTripMs,
      budget: { wcuPerSecond: sizes.budgetWcuPerSecond, burstWcu: sizes.budgetBurstWcu },
      workersPerProcess: sizes.workersPerProcess,
      rowSeconds: sizes.rowSeconds,
      cores: coreCount(),
      rows,
    },
    skipped,
  }
}

/** The simulations of one layout on fresh tables, with one pool of worker processes; null or why skipped. */
async function runLayout(
  server: EngineProcess,
  proxy: LatencyProxy,
  layout: LayoutName,
  shapes: Shape[],
  sizes: DistributedSizes,
  rows: DistributedRow[],
  log: (line: string) => void,
): Promise<string | null> {
  const opened = await openBackend(server.endpoint, layout, { label: 'distributed' })
  if ('skipped' in opened) return opened.skipped
  const { backend, tablePrefix } = opened
  const pool: TsxChild[] = []
  try {
    log(`${layout}: seeded ${await seedKnownPages(backend, sizes.urls)} known pages`)
    const size = Math.max(...shapes.map((s) => processesFor(s.workers, sizes.workersPerProcess)))
    for (let i = 0; i < size; i++)
      pool.push(spawnTsx(WORKER_CHILD, { endpoint: proxy.endpoint, layout, tablePrefix }))
    await Promise.all(pool.map((child) => child.next(120_000)))
    log(`${layout}: ${size} worker processes ready`)
    for (const shape of shapes) {
      const runId = `dist-run-${shapeKey(shape)}`
      await enqueueRun(
        server.endpoint,
        layout,
        tablePrefix,
        runId,
        shapeKey(shape),
        sizes.urls,
        shape.frontierShards,
      )
      const row = await simulate(server, proxy, pool, shape, runId, sizes)
      rows.push(row)
      log(
        `${layout} · ${shape.workers} workers in ${row.processes} processes · ${shape.frontierShards} shard(s)${shape.budget ? ' · budget' : ''}: ${row.pagesPerSec.toFixed(0)} pages/s, ${row.requestsPerPage.toFixed(2)} requests/page, ${row.throttled} throttled, CPU ${(row.cpu.ours * 100).toFixed(0)}% ours / ${row.cpu.machine === null ? '?' : (row.cpu.machine * 100).toFixed(0)}% machine${row.stopped ? `; stopped: ${row.stopped}` : ''}`,
      )
    }
  } finally {
    await Promise.all(pool.map((child) => child.stop()))
    await backend.close()
    await dropTables(server.endpoint, tablePrefix)
  }
  return null
}

async function simulate(
  server: EngineProcess,
  proxy: LatencyProxy,
  pool: TsxChild[],
  shape: Shape,
  runId: string,
  sizes: DistributedSizes,
): Promise<DistributedRow> {
  const processes = processesFor(shape.workers, sizes.workersPerProcess)
  proxy.setMode({
    roundTripMs: sizes.roundTripMs,
    budget: shape.budget ? { wcuPerSecond: sizes.budgetWcuPerSecond, burstWcu: sizes.budgetBurstWcu } : null,
  })
  proxy.reset()
  const children = pool.slice(0, processes)
  const startAt = Date.now() + START_DELAY_MS
  const deadline = startAt + sizes.rowSeconds * 1000
  for (const [p, child] of children.entries()) {
    const job: WorkerJob = {
      runId,
      key: shapeKey(shape),
      urls: sizes.urls,
      frontierShards: shape.frontierShards,
      workers: Array.from({ length: shape.workers }, (_, w) => w).filter((w) => w % processes === p),
      startAt,
      deadline,
      maxClaims: sizes.urls + 100,
    }
    child.send(job)
  }
  const groups = { engine: [server.pid], proxy: [process.pid], workers: children.map((c) => c.pid) }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())))
  const before = sampleCpu(groups)
  const reports = await Promise.all(
    children.map((child) => child.next<WorkerReport>(sizes.rowSeconds * 1000 + 120_000)),
  )
  const after = sampleCpu(groups)
  const seconds = (Math.max(...reports.map((r) => r.finishedAt)) - startAt) / 1000
  const metrics = emptyMetrics()
  for (const report of reports) addMetrics(metrics, report.metrics)
  const pages = reports.reduce(
    (sum, r) => sum + r.outcomes.new + r.outcomes.changed + r.outcomes.unchanged,
    0,
  )
  const count = (name: keyof WorkerReport['counts']) => reports.reduce((sum, r) => sum + r.counts[name], 0)
  const stats = proxy.stats
  const use = cpuBetween(before, after)
  const cpuSecondsOf = (group: string) => use.seconds[group] ?? 0
  const cpu: DistributedCpu = {
    engineSeconds: cpuSecondsOf('engine'),
    proxySeconds: cpuSecondsOf('proxy'),
    workerSeconds: cpuSecondsOf('workers'),
    ours: use.ours,
    machine: use.machine,
    msPerPage: ((cpuSecondsOf('engine') + cpuSecondsOf('proxy') + cpuSecondsOf('workers')) * 1000) / pages,
    bound:
      use.machine !== null && use.machine >= BOUND_SHARE
        ? 'machine'
        : server.label.startsWith('dynalite') && cpuSecondsOf('engine') / use.wallSeconds >= BOUND_SHARE
          ? 'engine thread'
          : cpuSecondsOf('proxy') / use.wallSeconds >= BOUND_SHARE
            ? 'proxy thread'
            : null,
  }
  const drained = reports.every((r) => !r.stoppedByDeadline)
  return {
    layout: shape.layout,
    workers: shape.workers,
    processes,
    frontierShards: shape.frontierShards,
    budget: shape.budget,
    urls: sizes.urls,
    pages,
    seconds,
    pagesPerSec: pages / seconds,
    requestsPerPage: metrics.requests / pages,
    httpRequestsPerPage: stats.requests / pages,
    rcuPerPage: metrics.readCapacityUnits / pages,
    wcuPerPage: metrics.writeCapacityUnits / pages,
    throttled: stats.throttled,
    throttledByOperation: { ...stats.throttledByOperation },
    errors: count('errors'),
    failedItems: count('failed'),
    emptyClaims: count('emptyClaims'),
    addedRoundTripMs: stats.addedMsTotal / Math.max(1, stats.requests),
    hottestPartitions: proxy.hottest(3).map(({ partition, wcu }) => ({
      partition: partition.replace(tablePrefixPattern, ''),
      wcuPerSec: wcu / seconds,
    })),
    wcuBySource: { ...stats.wcuBySource },
    cpu,
    stopped: drained
      ? pages < sizes.urls
        ? `${sizes.urls - pages} URLs left undone (failed past retries or still leased)`
        : null
      : `time budget of ${sizes.rowSeconds} s ran out after ${pages} pages`,
  }
}

/** The unique part of a bench table name (`bench_distributed_<time>_<random>_`), left out of partition names. */
const tablePrefixPattern = /^bench_distributed_[a-z0-9]+_[a-z0-9]+_/
