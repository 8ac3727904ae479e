import { OVERHEAD_GOAL } from '../options.js'
import { caption, int, ms, num, table } from './format.js'
import type { BenchResults, OverheadResult } from './types.js'

function overheadTable(result: OverheadResult, node: string): string {
  const rows = result.rows.map((r) => [
    r.operation,
    int(r.libraryOpsPerSec),
    int(r.rawOpsPerSec),
    num(r.ratio, 2),
    r.goal ? (r.ratio >= OVERHEAD_GOAL ? 'yes' : '**no**') : `– (${r.note ?? 'informative'})`,
    ms(r.libraryMsPerOp),
    ms(r.rawMsPerOp),
    `${ms(r.libraryCpuMsPerOp)} / ${ms(r.rawCpuMsPerOp)}`,
    `${num(r.libraryRequestsPerOp, 2)} / ${num(r.rawRequestsPerOp, 2)}`,
  ])
  const failed = result.equivalence.filter((c) => !c.ok)
  const perRound = result.rows[0]
  return [
    `### ${result.engine} · ${result.layout}`,
    '',
    caption(
      result,
      node,
      'a site of 300 pages, frontier runs of a few hundred items, plus what each operation writes',
    ),
    `_Throughput of sequential calls (the bulk save: pages/s of whole calls). ${perRound ? `${perRound.rounds} rounds of ${perRound.opsPerRound} calls a side` : ''}, alternating which side goes first; ratio = median over rounds of library/raw, each round pairing the two sides' runs next to each other in time. CPU: this process's user + system time per operation — on DynamoDB Local the client side alone, on dynalite the engine's too._`,
    '',
    table(
      [
        'operation',
        'library ops/s',
        'raw ops/s',
        'library / raw',
        `goal ≥ ${OVERHEAD_GOAL}`,
        'library ms/op',
        'raw ms/op',
        'CPU ms/op (library / raw)',
        'requests/op (library / raw)',
      ],
      rows,
    ),
    '',
    failed.length === 0
      ? `Raw side checked equivalent before timing (${result.equivalence.length} checks: it writes the items the library writes and reads what it reads).`
      : `**Raw side NOT equivalent** — ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}. The ratios above compare different work.`,
  ].join('\n')
}

export function renderOverhead(results: BenchResults): string {
  const parts = [
    '## 2. Overhead against the raw SDK',
    '',
    'The same logical operations by hand with `@aws-sdk/lib-dynamodb` (bench/raw/): the same table, the same single-table key design (items written exactly as the library writes them, checked before timing), the same conditions and return values, but no ElectroDB, no zod validation, no model conversion. Single-table layout only: the raw side encodes its key design.',
    '',
  ]
  if (results.overhead.length === 0) parts.push('_Not measured in this run._')
  for (const result of results.overhead) parts.push(overheadTable(result, results.node), '')
  return parts.join('\n')
}
