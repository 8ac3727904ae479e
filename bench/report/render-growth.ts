import { GROWTH_OPEN_ITEMS } from '../memory/scenarios.js'
import { caption, int, ms, num, table } from './format.js'
import type { BenchResults, GrowthResult, GrowthRow } from './types.js'

function growthTable(result: GrowthResult, node: string): string {
  const sizes = result.sizes
  const keys = [...new Set(result.rows.map((r) => `${r.operation}\u0000${r.limit ?? ''}`))]
  const rows = keys.map((key) => {
    const [operation, limit] = key.split('\u0000') as [string, string]
    const at = (size: number) =>
      result.rows.find((r) => r.sitePages === size && `${r.operation}\u0000${r.limit ?? ''}` === key)
    const cells = (pick: (r: GrowthRow) => string) =>
      sizes
        .map((size) => {
          const r = at(size)
          return r ? pick(r) : '–'
        })
        .join(' / ')
    return [
      operation,
      limit || '–',
      cells((r) => num(r.requests, 2)),
      cells((r) => num(r.rcu, 1)),
      cells((r) => int(r.itemsRead)),
      cells((r) => ms(r.latency.medianMs)),
      cells((r) => ms(r.latency.p95Ms)),
    ]
  })
  const seeding = result.seeding.map((s) => [
    s.what,
    int(s.items),
    num(s.seconds, 1),
    int(s.itemsPerSec),
    num(s.requests / Math.max(1, s.items), 2),
  ])
  const header = sizes.map((s) => int(s)).join(' / ')
  const frontiers = sizes
    .map((size) => int(result.rows.find((r) => r.sitePages === size)?.frontierItems ?? Number.NaN))
    .join(' / ')
  const n = result.rows[0]?.latency.n ?? 0
  return [
    `### ${result.engine} · ${result.layout}`,
    '',
    caption(
      result,
      node,
      `sites of ${header} pages (5% tombstones, 10% never crawled), each with a run whose frontier holds ${frontiers} items, all but ${GROWTH_OPEN_ITEMS} of them finished (completed, failed, skipped)`,
    ),
    `_Each cell: at ${header} pages. Requests, RCU and items read are means per call over ${n + 1} calls; latency median and p95 of the last ${n}. Point reads pick spread-out pages; claims take 5 items a call._`,
    '',
    table(['operation', 'limit', 'requests', 'RCU', 'items read', 'median ms', 'p95 ms'], rows),
    '',
    'Seeding (in a child process, through the library: savePagesBulk of the whole site in one call, then enqueueFrontierItems):',
    '',
    table(['call', 'items', 'seconds', 'items/s', 'requests/item'], seeding),
  ].join('\n')
}

export function renderGrowth(results: BenchResults): string {
  const parts = ['## 3. How cost grows with the site', '']
  if (results.growth.length === 0) parts.push('_Not measured in this run._')
  for (const result of results.growth) parts.push(growthTable(result, results.node), '')
  return parts.join('\n')
}
