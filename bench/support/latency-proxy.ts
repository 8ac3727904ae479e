import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { assertLoopbackEndpoint } from '../../src/testing/index.js'
import { loopbackClient } from './counting-client.js'
import {
  forwarderTo,
  keepAliveAgent,
  listenOnLoopback,
  operationOf,
  passThrough,
  readBody,
  sendJson,
  throughputExceeded,
} from './http-proxy.js'
import {
  keyOf,
  PartitionBudget,
  type PartitionWrite,
  partitionWrites,
  type WcuSource,
} from './write-budget.js'

/** What the proxy does to each request: a round-trip added, and a per-partition write budget or none. */
export interface ProxyMode {
  /** Added to every request: half before it reaches the engine, half before its answer leaves. */
  roundTripMs: number
  /** WCU per second per partition key value, and the burst a partition may bank; null = no budget. */
  budget: { wcuPerSecond: number; burstWcu: number } | null
}

export interface LatencyProxyStats {
  requests: number
  byOperation: Record<string, number>
  /** Writes answered ProvisionedThroughputExceededException by the budget. */
  throttled: number
  throttledByOperation: Record<string, number>
  /** Round-trip actually added (timers are late, never early), summed over requests. */
  addedMsTotal: number
  /** WCU charged to partitions, by where each write's size came from. */
  wcuBySource: Record<WcuSource, number>
}

export interface LatencyProxy {
  readonly endpoint: string
  readonly stats: LatencyProxyStats
  setMode(mode: ProxyMode): void
  /** Zeroes the counters and the partitions' buckets and tallies (between simulations). */
  reset(): void
  /** The partitions written most since the last reset: WCU charged to each. */
  hottest(count: number): { partition: string; wcu: number }[]
  stop(): Promise<void>
}

const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
])

const emptyStats = (): LatencyProxyStats => ({
  requests: 0,
  byOperation: {},
  throttled: 0,
  throttledByOperation: {},
  addedMsTotal: 0,
  wcuBySource: { 'request-item': 0, 'engine-answer': 0, estimate: 0 },
})

const later = (ms: number, then: () => void) => (ms > 0 ? setTimeout(then, ms) : then())

/**
 * A loopback HTTP proxy in front of an engine that makes it answer like DynamoDB in a region: each
 * request waits `roundTripMs` in all, and, in budget mode, a write to a partition key value that
 * has used its WCU for the second is answered HTTP 400 ProvisionedThroughputExceededException
 * (what DynamoDB sends when one partition is hot). Partition keys are found with DescribeTable
 * (cached per table). A write's WCU is its item's size when the request carries the item
 * (PutItem, batch puts); for UpdateItem and DeleteItem it is the engine's ConsumedCapacity
 * (the library asks for it on every write), else an estimate of 1 WCU.
 */
export async function startLatencyProxy(target: string, initial: ProxyMode): Promise<LatencyProxy> {
  assertLoopbackEndpoint(target)
  const agent = keepAliveAgent()
  const forward = forwarderTo(new URL(target), agent)
  const describer = loopbackClient(target)
  const hashKeys = new Map<string, string | undefined>()
  const describing = new Map<string, Promise<void>>()
  let mode = initial
  let budget = budgetOf(mode)
  let stats = emptyStats()

  /** Makes sure the hash key of every table named is known; `undefined` for a table that is not there. */
  async function learnTables(tables: string[]): Promise<void> {
    await Promise.all(
      tables
        .filter((table) => !hashKeys.has(table))
        .map((table) => {
          const known = describing.get(table)
          if (known) return known
          const pending: Promise<void> = describer
            .send(new DescribeTableCommand({ TableName: table }))
            .then(
              (out) => {
                hashKeys.set(table, out.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName)
              },
              () => undefined, // not there (yet): looked up again on its next write
            )
            .finally(() => describing.delete(table))
          describing.set(table, pending)
          return pending
        }),
    )
  }

  function chargeAnswer(writes: PartitionWrite[], engineBody: Buffer): void {
    let consumed: number | undefined
    if (writes.length === 1 && writes[0]!.source === 'estimate') {
      try {
        const answer = JSON.parse(engineBody.toString('utf8')) as {
          ConsumedCapacity?: { CapacityUnits?: number; Table?: { CapacityUnits?: number } }
        }
        consumed = answer.ConsumedCapacity?.Table?.CapacityUnits ?? answer.ConsumedCapacity?.CapacityUnits
      } catch {
        consumed = undefined
      }
    }
    for (const w of writes) {
      if (consumed !== undefined) {
        budget.charge(keyOf(w), consumed - w.wcu)
        stats.wcuBySource['engine-answer'] += consumed
      } else {
        stats.wcuBySource[w.source] += w.wcu
      }
    }
  }

  const server = createServer((req, res) => {
    const arrived = performance.now()
    readBody(req, res, (body) => {
      const operation = operationOf(req.headers) ?? 'unknown'
      stats.requests++
      stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1
      const half = mode.roundTripMs / 2
      let engineMs = 0
      const answer = (send: () => void) =>
        later(half, () => {
          stats.addedMsTotal += performance.now() - arrived - engineMs
          send()
        })
      later(half, async () => {
        const writes = WRITE_OPERATIONS.has(operation) ? await writesOf(operation, body) : []
        if (!budget.admit(writes)) {
          stats.throttled++
          stats.throttledByOperation[operation] = (stats.throttledByOperation[operation] ?? 0) + 1
          return answer(() => throttle(res))
        }
        const sent = performance.now()
        forward(req, body, (status, headers, engineBody) => {
          engineMs = performance.now() - sent
          chargeAnswer(writes, status === 200 ? engineBody : Buffer.alloc(0))
          answer(() => passThrough(res, status, headers, engineBody))
        })
      })
    })
  })

  async function writesOf(operation: string, body: Buffer): Promise<PartitionWrite[]> {
    let input: Record<string, unknown>
    try {
      input = JSON.parse(body.toString('utf8'))
    } catch {
      return []
    }
    const tables =
      operation === 'BatchWriteItem'
        ? Object.keys((input.RequestItems ?? {}) as object)
        : operation === 'TransactWriteItems'
          ? ((input.TransactItems ?? []) as Record<string, { TableName?: string }>[]).map((entry) =>
              String(Object.values(entry)[0]?.TableName ?? ''),
            )
          : [String(input.TableName ?? '')]
    await learnTables(tables)
    return partitionWrites(operation, input, (table) => hashKeys.get(table))
  }

  const listening = await listenOnLoopback(server, () => {
    agent.destroy()
    describer.destroy()
  })
  return {
    endpoint: listening.endpoint,
    get stats() {
      return stats
    },
    setMode(next) {
      mode = next
      budget = budgetOf(next)
    },
    reset() {
      stats = emptyStats()
      budget.reset()
    },
    hottest(count) {
      return [...budget.charged]
        .map(([partition, wcu]) => ({ partition, wcu }))
        .sort((a, b) => b.wcu - a.wcu)
        .slice(0, count)
    },
    stop: listening.stop,
  }
}

/** No budget: a bucket that never runs dry, still tallying each partition's WCU. */
function budgetOf(mode: ProxyMode): PartitionBudget {
  return mode.budget
    ? new PartitionBudget(mode.budget.wcuPerSecond, mode.budget.burstWcu)
    : new PartitionBudget(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
}

function throttle(res: ServerResponse, headers?: IncomingHttpHeaders): void {
  sendJson(
    res,
    400,
    throughputExceeded(
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    ),
    headers,
  )
}
