import type { RunningEngine } from '../engines.js'
import { type LayoutName, openBackend } from '../layouts.js'
import { memoryRow } from '../memory/memory-row.js'
import { runInChild } from '../memory/run-child.js'
import { MIGRATION_MEMORY_SCENARIOS, type ScenarioArgs } from '../memory/scenarios.js'
import type { MemoryRow } from '../report/types.js'
import { dropTables } from '../support/drop-tables.js'

export interface MemoryOutcome {
  storage: MemoryRow[]
  migration: MemoryRow[]
  skipped?: string
}

/**
 * Peak RSS of a bulk save of `pages` pages in a child process (taken from the growth section's
 * seeding when it already ran that size), of the same save from an AsyncIterable, and of every migration scenario registered, at each
 * of `migrationRecords` (the source seeded beforehand, outside the measurement).
 */
export async function runMemory(
  engine: RunningEngine,
  layout: LayoutName,
  options: {
    pages: number
    migrationRecords: number[]
    measured: MemoryRow[]
    log: (line: string) => void
  },
): Promise<MemoryOutcome> {
  const storage: MemoryRow[] = []
  const migration: MemoryRow[] = []
  const already = options.measured.some(
    (row) => row.layout === layout && row.scenario === 'bulk-save-pages' && row.items === options.pages,
  )
  const wanted = [
    ...(already ? [] : [{ scenario: 'bulk-save-pages', count: options.pages, into: storage }]),
    { scenario: 'bulk-save-pages-stream', count: options.pages, into: storage },
    ...Object.keys(MIGRATION_MEMORY_SCENARIOS).flatMap((scenario) =>
      options.migrationRecords.map((count) => ({ scenario, count, into: migration })),
    ),
  ]
  for (const { scenario, count, into } of wanted) {
    const opened = await openBackend(engine.endpoint, layout, { label: 'memory' })
    if ('skipped' in opened) return { storage, migration, skipped: opened.skipped }
    try {
      const args: ScenarioArgs = {
        scenario,
        endpoint: engine.endpoint,
        layout,
        tablePrefix: opened.tablePrefix,
        siteId: 'memory',
        runId: 'memory-run',
        count,
      }
      const report = await runInChild(args)
      options.log(`${scenario} ${count}: peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MB`)
      into.push(memoryRow(engine, layout, args, report))
    } finally {
      await opened.backend.close()
      await dropTables(engine.endpoint, opened.tablePrefix)
    }
  }
  return { storage, migration }
}
