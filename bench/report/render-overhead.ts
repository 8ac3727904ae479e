import { BULK_GOAL, type EngineName, EXTRA_CPU_GOAL_MS, OVERHEAD_GOALS } from '../options.js'
import { caption, int, ms, num, table } from './format.js'
import { MAIN_BASELINE } from './overhead-baseline.js'
import type { BenchResults, OverheadResult, OverheadRow } from './types.js'

/** A row against its goals: throughput share of the raw side's, extra CPU per call, and main's figures. */
export interface RowGoals {
  ratioGoal: number | undefined
  ratioMet: boolean | undefined
  extraCpuMs: number
  cpuGoal: number | undefined
  cpuMet: boolean | undefined
  main: { ratio: number; extraCpuMs?: number } | undefined
}

export function rowGoals(engine: string, r: OverheadRow): RowGoals {
  const name = engine as EngineName
  const ratioGoal = r.key === 'bulk-blind' ? BULK_GOAL[name] : r.goal ? OVERHEAD_GOALS[name] : undefined
  const cpuGoal = r.kind === 'point' || r.kind === 'page' ? EXTRA_CPU_GOAL_MS[r.kind] : undefined
  const extraCpuMs = r.libraryCpuMsPerOp - r.rawCpuMsPerOp
  return {
    ratioGoal,
    ratioMet: ratioGoal === undefined ? undefined : r.ratio >= ratioGoal,
    extraCpuMs,
    cpuGoal,
    cpuMet: cpuGoal === undefined ? undefined : extraCpuMs <= cpuGoal,
    main: r.key ? MAIN_BASELINE[name]?.[r.key] : undefined,
  }
}

const verdict = (goal: number | undefined, met: boolean | undefined, prefix: string) =>
  goal === undefined ? '–' : `${prefix} ${goal}: ${met ? 'yes' : '**no**'}`

function overheadTable(result: OverheadResult, node: string): string {
  const rows = result.rows.map((r) => {
    const g = rowGoals(result.engine, r)
    return [
      r.note ? `${r.operation} (${r.note})` : r.operation,
      int(r.libraryOpsPerSec),
      int(r.rawOpsPerSec),
      num(r.ratio, 2),
      verdict(g.ratioGoal, g.ratioMet, '≥'),
      g.main ? num(g.main.ratio, 2) : '–',
      `${ms(r.libraryCpuMsPerOp)} / ${ms(r.rawCpuMsPerOp)}`,
      `${g.extraCpuMs >= 0 ? '+' : ''}${ms(g.extraCpuMs)}`,
      verdict(g.cpuGoal, g.cpuMet, '≤'),
      g.main?.extraCpuMs === undefined ? '–' : `+${ms(g.main.extraCpuMs)}`,
      `${num(r.libraryRequestsPerOp, 2)} / ${num(r.rawRequestsPerOp, 2)}`,
    ]
  })
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
    `_Throughput of sequential calls (the bulk save: pages/s of whole calls). ${perRound ? `${perRound.rounds} rounds of ${perRound.opsPerRound} calls a side` : ''}, alternating which side goes first; ratio = median over rounds of library/raw, each round pairing the two sides' runs next to each other in time. CPU: this process's user + system time per operation — on DynamoDB Local the client side alone, on dynalite the engine's too. main's columns: the figures of main when issue 13 was filed (run of 2026-11-25 at commit a55cf17; the DynamoDB Local bulk save against blind puts of 2026-12-02), kept as a column; main's bulk save sent one UpdateItem per page on both engines._`,
    '',
    table(
      [
        'operation',
        'library ops/s',
        'raw ops/s',
        'library / raw',
        'goal',
        "main's library / raw",
        'CPU ms/op (library / raw)',
        'extra CPU ms/op',
        'goal',
        "main's extra CPU",
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
