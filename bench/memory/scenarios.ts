import type { StorageBackend } from '../../src/index.js'
import { syntheticFrontier, syntheticPage } from '../fixtures/synthetic.js'
import type { LayoutName } from '../layouts.js'

/** What a scenario works on: tables that exist (`initialize()` done) at a loopback endpoint. */
export interface ScenarioArgs {
  scenario: string
  endpoint: string
  layout: LayoutName
  tablePrefix: string
  siteId: string
  runId: string
  count: number
}

/**
 * A workload whose peak RSS is measured in a child process of its own. `setup` runs in the bench
 * process beforehand (not measured: seed what the workload reads there); in the child, `prepare`
 * builds the input (RSS is sampled after it) and `run` does the work, returning records handled.
 */
export interface MemoryScenario {
  description: (count: number) => string
  setup?: (args: ScenarioArgs) => Promise<void>
  prepare: (args: ScenarioArgs) => unknown
  run: (backend: StorageBackend, input: unknown, args: ScenarioArgs) => Promise<number>
}

const ENQUEUE_CALL = 10_000

export const STORAGE_MEMORY_SCENARIOS: Record<string, MemoryScenario> = {
  'bulk-save-pages': {
    description: (count) => `savePagesBulk of ${count.toLocaleString('en-US')} pages in one call`,
    prepare: ({ siteId, count }) => {
      const now = Date.now()
      return Array.from({ length: count }, (_, i) => syntheticPage(siteId, i, now))
    },
    run: (backend, input) => backend.savePagesBulk(input as ReturnType<typeof syntheticPage>[]),
  },
  'enqueue-frontier': {
    description: (count) =>
      `enqueueFrontierItems of ${count.toLocaleString('en-US')} items, ${ENQUEUE_CALL.toLocaleString('en-US')} a call`,
    prepare: ({ runId, siteId, count }) => syntheticFrontier(runId, siteId, count),
    run: async (backend, input) => {
      const items = input as ReturnType<typeof syntheticFrontier>
      let added = 0
      for (let i = 0; i < items.length; i += ENQUEUE_CALL) {
        added += (await backend.enqueueFrontierItems(items.slice(i, i + ENQUEUE_CALL))).added
      }
      return added
    },
  },
}

/**
 * Migration memory — the hook for the migration work. Add scenarios here (e.g.
 * `'migrate-single-to-multi'`: `setup` seeds the source layout with `count` pages in the bench
 * process, `run` calls `migrateLayout` in the child); run.ts measures every entry once per engine
 * and layout, and docs/performance.md lists them under "Migration memory".
 */
export const MIGRATION_MEMORY_SCENARIOS: Record<string, MemoryScenario> = {}

export const MEMORY_SCENARIOS: Record<string, MemoryScenario> = {
  ...STORAGE_MEMORY_SCENARIOS,
  ...MIGRATION_MEMORY_SCENARIOS,
}
