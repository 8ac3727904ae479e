import { CRAWL_MIX } from '../sections/crawl.js'
import { caption, int, num, table } from './format.js'
import type { BenchResults, DistributedResult, DistributedRow } from './types.js'

const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 100)}%`)

/**
 * The row a row is compared with: same layout and budget mode, with 1 worker (same shards), or
 * with 1 shard (same workers).
 */
function baselineOf(row: DistributedRow, rows: DistributedRow[], by: 'workers' | 'frontierShards') {
  const other = by === 'workers' ? 'frontierShards' : 'workers'
  return rows.find(
    (r) => r[by] === 1 && r[other] === row[other] && r.layout === row.layout && r.budget === row.budget,
  )
}

const ratio = (value: number, base: number | undefined) =>
  base !== undefined && base > 0 ? `${num(value / base, 2)}×` : '–'

/** `runKey_dist-run-d16s1#shard_00` of a partition written as `data {"S":"$ragcrawl#runKey_…"}`. */
function partitionName(partition: string): string {
  const match = /^(\S+) \{"[SNB]":"(.*)"\}$/.exec(partition)
  if (!match) return partition
  return `${match[1]}: ${match[2]!.replace(/^\$ragcrawl#/, '')}`
}

function distributedTables(result: DistributedResult, node: string): string {
  const urls = result.rows[0]?.urls ?? 0
  const mix = Object.entries(CRAWL_MIX)
    .map(([o, share]) => `${Math.round(share * 100)}% ${o}`)
    .join(', ')
  const added = result.rows.map((r) => r.addedRoundTripMs)
  const budgeted = result.rows.filter((r) => r.budget)
  const ceilings = result.rows.map((r) => (result.cores * 1000) / r.cpu.msPerPage)
  const summary = result.rows.map((r) => {
    const base = baselineOf(r, result.rows, 'workers')
    const oneShard = r.frontierShards > 1 ? baselineOf(r, result.rows, 'frontierShards') : undefined
    return [
      r.layout,
      String(r.workers),
      String(r.processes),
      String(r.frontierShards),
      r.budget ? `${num(result.budget.wcuPerSecond)} WCU/s` : 'none',
      int(r.pages),
      num(r.seconds, 1),
      num(r.pagesPerSec, 1),
      ratio(r.pagesPerSec, base?.pagesPerSec),
      ratio(r.pagesPerSec, oneShard?.pagesPerSec),
      num(r.requestsPerPage, 2),
      ratio(r.requestsPerPage, base?.requestsPerPage),
      num(r.httpRequestsPerPage, 2),
      num(r.rcuPerPage, 2),
      num(r.wcuPerPage, 2),
      int(r.throttled),
      int(r.errors),
      int(r.emptyClaims),
      num(r.cpu.msPerPage, 1),
      percent(r.cpu.ours),
      percent(r.cpu.machine),
      r.cpu.bound ?? 'no',
      r.stopped ? `**stopped**: ${r.stopped}` : 'queue drained',
    ]
  })
  const partitions = result.rows.map((r) => [
    r.layout,
    String(r.workers),
    String(r.frontierShards),
    r.budget ? 'yes' : 'no',
    r.hottestPartitions.map((p) => `${partitionName(p.partition)} ${num(p.wcuPerSec, 1)}`).join('; '),
    Object.entries(r.throttledByOperation)
      .map(([op, n]) => `${n} ${op}`)
      .join(', ') || '–',
    `${num(r.cpu.engineSeconds, 1)} / ${num(r.cpu.proxySeconds, 1)} / ${num(r.cpu.workerSeconds, 1)}`,
  ])
  return [
    `### ${result.engine}`,
    '',
    caption(
      result,
      node,
      `${int(urls)} URLs per simulation (${mix}), a fresh run and frontier per simulation, the known pages seeded once per layout`,
    ),
    `_The engine runs in a process of its own; a loopback proxy in the bench process adds a round-trip of ${num(result.roundTripMs)} ms to every request (half before the engine sees it, half before its answer leaves; the added time measured was ${num(Math.min(...added), 1)}–${num(Math.max(...added), 1)} ms per request, timers firing late on a busy machine); the workers run in worker processes of up to ${result.workersPerProcess} workers each (at least 4 processes from 4 workers on), each worker with its own backend and client, all sending through the proxy. Per page, through the public API: claimFrontierItems (limit 1) → getPage → commitVersion or savePage (conditional on the revision) → updateFrontierStatus completed; the fetch itself takes no time, so the figures are the storage layer's own ceiling. A worker stops after 3 claims in a row that found nothing, or at the row's time budget of ${num(result.rowSeconds)} s. Requests/page counts library calls (the SDK's retries of throttled requests are in HTTP requests/page); ratios compare with the 1-worker row of the same layout, shards and budget. CPU: seconds of the engine's, the bench's (proxy) and the workers' processes over the row's wall time and ${result.cores} cores ("ours"), and of every process on the machine ("machine", from /proc/stat: other work shared these cores during this run); a row is CPU-bound when the machine is ≥ 90% busy, or the engine's or proxy's one thread ≥ 90% of a core._`,
    '',
    table(
      [
        'layout',
        'workers',
        'processes',
        'frontier shards',
        'write budget',
        'pages',
        'seconds',
        'pages/s',
        'pages/s ÷ 1 worker',
        'pages/s ÷ 1 shard',
        'requests/page',
        'requests/page ÷ 1 worker',
        'HTTP requests/page',
        'RCU/page',
        'WCU/page',
        'throttled',
        'errors',
        'empty claims',
        'CPU ms/page',
        'CPU ours',
        'CPU machine',
        'CPU-bound',
        'end',
      ],
      summary,
    ),
    '',
    `**CPU ceiling of this machine**: all processes of a simulation together spend ${num(Math.min(...result.rows.map((r) => r.cpu.msPerPage)), 1)}–${num(Math.max(...result.rows.map((r) => r.cpu.msPerPage)), 1)} ms of CPU per page, so ${result.cores} cores carry at most ${int(Math.min(...ceilings))}–${int(Math.max(...ceilings))} pages/s if nothing else ran; rows marked CPU-bound ran into that ceiling (or into the other work on the machine), not into the storage layer's requests or the round-trip.`,
    '',
    table(
      [
        'layout',
        'workers',
        'frontier shards',
        'write budget',
        'hottest partitions (table: partition key, WCU/s)',
        'throttled by operation',
        'CPU s engine / proxy / workers',
      ],
      partitions,
    ),
    '',
    `_Write budget (rows with one): the proxy keeps a token bucket per partition key value (${num(result.budget.wcuPerSecond)} WCU/s, ${num(result.budget.burstWcu)} WCU of burst: DynamoDB's 1,000 WCU/s per partition scaled down ${num(1000 / result.budget.wcuPerSecond)}×, so that the budget and not this machine's CPU is what ${budgeted.length > 1 ? 'the sharded row' : 'a row'} runs into; multiply a budget-bound row's pages/s by ${num(1000 / result.budget.wcuPerSecond)} for AWS) and answers a write to a partition whose bucket is empty with HTTP 400 ProvisionedThroughputExceededException, the body DynamoDB sends; the SDK retries it with backoff (up to the backend's maxAttempts). Partition keys come from DescribeTable. WCU as DynamoDB counts them: PutItem and batch puts by the size of the item in the request (1 WCU per started KB); UpdateItem and DeleteItem by the engine's ConsumedCapacity, which the library asks for on every write (dynalite counts the larger of the item before and after; DynamoDB Local adds index writes); a write that fails its condition is charged 1 WCU, as DynamoDB charges it; transactions count double; a BatchWriteItem is admitted or throttled whole (DynamoDB would return the throttled items as UnprocessedItems). Index partitions and reads (3,000 RCU/s per partition) are not budgeted. The hottest partitions are tallied in every row, budget or not._`,
  ].join('\n')
}

export function renderDistributed(results: BenchResults): string {
  const parts = ['## 6. Distributed crawl simulation', '']
  const all = results.distributed ?? []
  if (all.length === 0) parts.push('_Not measured in this run._')
  for (const result of all) parts.push(distributedTables(result, results.node), '')
  return parts.join('\n')
}
