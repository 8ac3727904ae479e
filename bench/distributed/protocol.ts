import type { RequestMetrics } from '../../src/engine/metrics.js'
import type { LayoutName } from '../layouts.js'
import type { CrawlOutcome } from '../report/types.js'
import type { ClaimLoopCounts } from './crawl-loop.js'

/** What a worker process is started with: where to send, and which tables. */
export interface WorkerArgs {
  endpoint: string
  layout: LayoutName
  tablePrefix: string
}

/** One simulation's share of work for one worker process. */
export interface WorkerJob {
  runId: string
  /** The simulation's key in URLs and content (see crawl.ts). */
  key: string
  urls: number
  frontierShards: number
  /** Indexes of this process's workers (their ids are `worker-<index>`). */
  workers: number[]
  /** Epoch ms at which every process starts at once, and at which the time budget runs out. */
  startAt: number
  deadline: number
  /** Claims per worker at most. */
  maxClaims: number
}

export interface WorkerReport {
  finishedAt: number
  stoppedByDeadline: boolean
  outcomes: Record<CrawlOutcome, number>
  /** Library requests and capacity units of this process's workers (SDK retries not counted). */
  metrics: RequestMetrics
  counts: ClaimLoopCounts
  /** This process's CPU seconds during the job. */
  cpuSeconds: number
}

export const emptyMetrics = (): RequestMetrics => ({
  requests: 0,
  readCapacityUnits: 0,
  writeCapacityUnits: 0,
  byOperation: {},
})

/** Adds `more` (one worker's metrics, or one process's) into `into`, per operation too. */
export function addMetrics(into: RequestMetrics, more: RequestMetrics): void {
  into.requests += more.requests
  into.readCapacityUnits += more.readCapacityUnits
  into.writeCapacityUnits += more.writeCapacityUnits
  for (const [name, op] of Object.entries(more.byOperation)) {
    const sum = into.byOperation[name] ?? { requests: 0, readCapacityUnits: 0, writeCapacityUnits: 0 }
    sum.requests += op.requests
    sum.readCapacityUnits += op.readCapacityUnits
    sum.writeCapacityUnits += op.writeCapacityUnits
    into.byOperation[name] = sum
  }
}
