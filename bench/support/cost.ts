import { diffMetrics } from '../../src/engine/metrics.js'
import type { RequestMetrics } from '../../src/index.js'
import type { Cost } from '../report/types.js'
import { diffCounts, type ItemCounts } from './counting-client.js'
import { timed } from './stats.js'

/** Something whose requests, capacity units and items read can be snapshotted around a call. */
export interface Metered {
  metrics(): RequestMetrics
  itemCounts(): ItemCounts
}

/** `5 UpdateItem + 1 Query`: the operations of a call, as docs/data-model.md writes them. */
export function operationsOf(metrics: RequestMetrics): string {
  return Object.entries(metrics.byOperation)
    .map(([operation, m]) => `${m.requests} ${operation}`)
    .join(' + ')
}

export function costFrom(metrics: RequestMetrics, counts: ItemCounts): Cost {
  return {
    requests: metrics.requests,
    operations: operationsOf(metrics),
    rcu: metrics.readCapacityUnits,
    wcu: metrics.writeCapacityUnits,
    itemsRead: counts.read,
    itemsReturned: counts.returned,
  }
}

/** Runs `work` once and returns what it returned, cost and took. */
export async function costOf<T>(
  source: Metered,
  work: () => Promise<T>,
): Promise<{ value: T; cost: Cost; ms: number }> {
  const metrics = source.metrics()
  const counts = source.itemCounts()
  const { value, ms } = await timed(work)
  return {
    value,
    ms,
    cost: costFrom(diffMetrics(source.metrics(), metrics), diffCounts(source.itemCounts(), counts)),
  }
}

/** The mean cost per call of several calls (the operations of the first call stand for all). */
export function meanCost(costs: Cost[]): Cost {
  const n = costs.length || 1
  const sum = (pick: (c: Cost) => number) => costs.reduce((total, c) => total + pick(c), 0) / n
  return {
    requests: sum((c) => c.requests),
    operations: costs[0]?.operations ?? '',
    rcu: sum((c) => c.rcu),
    wcu: sum((c) => c.wcu),
    itemsRead: sum((c) => c.itemsRead),
    itemsReturned: sum((c) => c.itemsReturned),
  }
}
