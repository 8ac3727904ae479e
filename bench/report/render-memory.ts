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
      'heap limit MB',
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
      r.heapLimitMb ? int(r.heapLimitMb) : 'default',
      num(r.seconds, 1),
      date(r.measuredAt),
    ]),
  )
}

export function renderMemory(results: BenchResults): string {
  const parts = [
    '## 5. Memory',
    '',
    `Peak resident set size (VmHWM of /proc/self/status: the high-water mark of the child's own address space; getrusage's maxRSS would carry over the bench process's peak across fork and exec) of a child Node ${results.node} process (loaded through tsx) doing one workload against the engine served by the bench process; RSS at its start and after building the input array show what the workload itself adds.`,
    '',
  ]
  parts.push(
    results.memory.length === 0 ? '_Not measured in this run._' : memoryTable(results.memory, results),
  )
  parts.push('', '### Migration memory', '')
  parts.push(
    results.migrationMemory.length === 0
      ? '_Not measured in this run._'
      : [
          'The layout column is the source; the child migrates it to the other layout (tables of its own on the same engine) with the public `migrateLayout` (no checkpoint file). The source is filled beforehand, outside the measurement. The child runs under a fixed V8 heap limit: a migration that finishes at every source size under it holds a bounded buffer (a Scan page of 250 items per segment), not the table.',
          '',
          memoryTable(results.migrationMemory, results),
        ].join('\n'),
  )
  return parts.join('\n')
}
