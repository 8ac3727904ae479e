import { date, int, num, table } from './format.js'
import type { BenchResults, MemoryRow } from './types.js'

function memoryTable(rows: MemoryRow[], results: BenchResults): string {
  const label = (engine: string) => results.engines.find((e) => e.name === engine)?.label ?? engine
  return table(
    [
      'engine',
      'layout',
      'workload',
      'RSS at start MB',
      'after building the input MB',
      'peak RSS MB',
      'seconds',
      'measured',
    ],
    rows.map((r) => [
      label(r.engine),
      r.layout,
      r.description,
      int(r.baselineRssMb),
      int(r.afterInputRssMb),
      int(r.peakRssMb),
      num(r.seconds, 1),
      date(r.measuredAt),
    ]),
  )
}

export function renderMemory(results: BenchResults): string {
  const parts = [
    '## 5. Memory',
    '',
    `Peak resident set size (\`process.resourceUsage().maxRSS\`) of a child Node ${results.node} process (loaded through tsx) doing one workload against the engine served by the bench process; RSS at its start and after building the input array show what the workload itself adds.`,
    '',
  ]
  parts.push(
    results.memory.length === 0 ? '_Not measured in this run._' : memoryTable(results.memory, results),
  )
  parts.push('', '### Migration memory', '')
  parts.push(
    results.migrationMemory.length === 0
      ? '_Not measured yet: register migration workloads in `MIGRATION_MEMORY_SCENARIOS` (bench/memory/scenarios.ts) and they are measured here, per engine and layout._'
      : memoryTable(results.migrationMemory, results),
  )
  return parts.join('\n')
}
