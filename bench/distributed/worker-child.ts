/**
 * A worker process of the distributed simulation: runs the jobs it reads from stdin (one JSON
 * line each) — W workers, each with its own backend and client, crawling one run's frontier
 * through the endpoint given (the latency proxy) — and prints one JSON line per job.
 */
import { createInterface } from 'node:readline'
import { diffMetrics } from '../../src/engine/metrics.js'
import { reopenBackend } from '../layouts.js'
import type { CrawlOutcome } from '../report/types.js'
import { crawlPage, crawlWorkerId, fetchedHash, urlOf } from '../sections/crawl.js'
import { type ClaimLoopCounts, claimLoop } from './crawl-loop.js'
import { addMetrics, emptyMetrics, type WorkerArgs, type WorkerJob, type WorkerReport } from './protocol.js'

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs
process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`)

async function runJob(job: WorkerJob): Promise<WorkerReport> {
  const byUrl = new Map(Array.from({ length: job.urls }, (_, u) => [urlOf(u, job.key), u]))
  const outcomes: Record<CrawlOutcome, number> = { new: 0, changed: 0, unchanged: 0 }
  const metrics = emptyMetrics()
  const counts: ClaimLoopCounts = { completed: 0, failed: 0, claims: 0, emptyClaims: 0, errors: 0 }
  const backends = job.workers.map(() =>
    reopenBackend(args.endpoint, args.layout, args.tablePrefix, { frontierShards: job.frontierShards }),
  )
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())))
  const cpu = process.cpuUsage()
  const signal = AbortSignal.timeout(Math.max(1, job.deadline - Date.now()))
  try {
    await Promise.all(
      backends.map(async (backend, i) => {
        const before = backend.metrics()
        const done = await claimLoop(
          backend,
          job.runId,
          async (item) => {
            const u = byUrl.get(item.url)!
            outcomes[await crawlPage(backend, job.runId, item.url, fetchedHash(u, job.key))]++
          },
          { workerId: crawlWorkerId(job.workers[i]!), signal, maxClaims: job.maxClaims, idleClaims: 3 },
        )
        addMetrics(metrics, diffMetrics(backend.metrics(), before))
        for (const name of Object.keys(counts) as (keyof ClaimLoopCounts)[]) counts[name] += done[name]
      }),
    )
  } finally {
    await Promise.all(backends.map((backend) => backend.close()))
  }
  const { user, system } = process.cpuUsage(cpu)
  return {
    finishedAt: Date.now(),
    stoppedByDeadline: signal.aborted,
    outcomes,
    metrics,
    counts,
    cpuSeconds: (user + system) / 1e6,
  }
}

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  const report = await runJob(JSON.parse(line) as WorkerJob)
  process.stdout.write(`${JSON.stringify(report)}\n`)
}
