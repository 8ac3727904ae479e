import { caption, dataSize, int, ms, num, table } from './format.js'
import type { BenchResults, PatternsResult, ReferenceResult } from './types.js'

const itemsCell = (read: number, returned: number) =>
  read === 0 && returned === 0 ? '–' : `${int(read)} / ${int(returned)}`

function patternsTable(result: PatternsResult, node: string): string {
  const rows = result.rows.map((r) => [
    String(r.row),
    r.name,
    int(r.requests),
    r.operations,
    num(r.rcu),
    num(r.wcu),
    itemsCell(r.itemsRead, r.itemsReturned),
    ms(r.latency.medianMs),
    ms(r.latency.p95Ms),
    r.result,
  ])
  if (result.deleteSite) {
    const d = result.deleteSite
    rows.push([
      '10',
      `delete a site (${d.siteId}, once)`,
      int(d.requests),
      d.operations,
      num(d.rcu),
      num(d.wcu),
      itemsCell(d.itemsRead, d.itemsReturned),
      ms(d.ms),
      '–',
      d.result,
    ])
  }
  const n = result.rows[0]?.latency.n ?? 0
  return [
    `### ${result.engine} · ${result.layout}`,
    '',
    caption(result, node, dataSize(result.data)),
    `_Latency: median and p95 of ${n} timed calls per pattern, after one untimed call that gives the cost columns. Items: read by the engine / returned by it (ScannedCount / Count; GetItem hits)._`,
    '',
    table(
      [
        '#',
        'access pattern',
        'requests',
        'operations',
        'RCU',
        'WCU',
        'items read / returned',
        'median ms',
        'p95 ms',
        'result',
      ],
      rows,
    ),
  ].join('\n')
}

function referenceTable(library: PatternsResult, reference: ReferenceResult, node: string): string {
  const rows = reference.rows.map((ref) => {
    const lib = library.rows.find((r) => r.name === ref.name)
    const pair = (a: string | undefined, b: string) => `${a ?? '–'} / ${b}`
    return [
      ref.name,
      ref.callPattern,
      pair(lib && int(lib.requests), int(ref.requests)),
      pair(lib && num(lib.rcu), num(ref.rcu)),
      pair(lib && int(lib.itemsRead), int(ref.itemsRead)),
      pair(lib && ms(lib.latency.medianMs), ms(ref.latency.medianMs)),
      pair(lib && ms(lib.latency.p95Ms), ms(ref.latency.p95Ms)),
    ]
  })
  const libraryDelete = library.deleteSite
  const refDelete = reference.deleteSite
  if (libraryDelete && refDelete) {
    rows.push([
      `delete a site (${refDelete.siteId}, once)`,
      refDelete.callPattern,
      `${int(libraryDelete.requests)} / ${int(refDelete.requests)}`,
      `${num(libraryDelete.rcu)} / ${num(refDelete.rcu)}`,
      `${int(libraryDelete.itemsRead)} / ${int(refDelete.itemsRead)}`,
      `${ms(libraryDelete.ms)} / ${ms(refDelete.ms)}`,
      '–',
    ])
  }
  return [
    `### ${reference.engine} · ${library.layout} against the Python reference`,
    '',
    caption(
      reference,
      node,
      `${dataSize(reference.data)} (the records the library's patterns ran on, read back through the API and loaded into the reference's tables)`,
    ),
    `_Each cell: library / reference. The reference's tables as its code creates them (\`${reference.tables[0]}\`, …: one hash key per table); its calls by hand with lib-dynamodb. Every table of the reference holds one record type, so its Scans read only pages, not versions: in one shared table they would read more._`,
    '',
    table(['work', 'reference call pattern', 'requests', 'RCU', 'items read', 'median ms', 'p95 ms'], rows),
  ].join('\n')
}

export function renderPatterns(results: BenchResults): string {
  const parts = ['## 1. Cost per access pattern', '']
  if (results.patterns.length === 0) parts.push('_Not measured in this run._')
  for (const result of results.patterns) parts.push(patternsTable(result, results.node), '')
  for (const reference of results.reference) {
    for (const library of results.patterns.filter((p) => p.engine === reference.engine)) {
      parts.push(referenceTable(library, reference, results.node), '')
    }
  }
  return parts.join('\n')
}
