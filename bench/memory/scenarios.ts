import {
  CrawlRunSchema,
  FrontierItemSchema,
  migrateLayout,
  SiteSchema,
  type StorageBackend,
} from '../../src/index.js'
import { layoutFor } from '../../src/services/factory.js'
import type { LogicalRecord } from '../../src/services/migration-codec.js'
import { pageUrl, syntheticFrontier, syntheticPage } from '../fixtures/synthetic.js'
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
  /**
   * A V8 heap limit for the child. Peak RSS alone cannot tell a leak from a heap V8 lets grow
   * lazily; a workload that finishes at any size under a fixed small limit is bounded.
   */
  heapLimitMb?: number
  setup?: (args: ScenarioArgs) => Promise<void>
  prepare: (args: ScenarioArgs) => unknown
  run: (backend: StorageBackend, input: unknown, args: ScenarioArgs) => Promise<number>
}

const ENQUEUE_CALL = 10_000
/** The array bulk save's heap limit: 100,000 pages of input (~120 MB) and the save's window. */
const ARRAY_HEAP_LIMIT_MB = 320
/** The streamed bulk save's heap limit: its window of 400 pages, the SDK and the engine's answers. */
const STREAM_HEAP_LIMIT_MB = 96

export const STORAGE_MEMORY_SCENARIOS: Record<string, MemoryScenario> = {
  'bulk-save-pages': {
    description: (count) => `savePagesBulk of ${count.toLocaleString('en-US')} pages in one call`,
    // The input (~1.2 KB a page) plus the save's window: bounded if it finishes under this limit.
    heapLimitMb: ARRAY_HEAP_LIMIT_MB,
    prepare: ({ siteId, count }) => {
      const now = Date.now()
      return Array.from({ length: count }, (_, i) => syntheticPage(siteId, i, now))
    },
    run: (backend, input) => backend.savePagesBulk(input as ReturnType<typeof syntheticPage>[]),
  },
  'bulk-save-pages-stream': {
    description: (count) =>
      `savePagesBulk of ${count.toLocaleString('en-US')} pages from an AsyncIterable, in one call`,
    // Nothing is held but the window: the whole save fits a heap far smaller than its input.
    heapLimitMb: STREAM_HEAP_LIMIT_MB,
    prepare: ({ count }) => count,
    run: (backend, input, { siteId }) => {
      const now = Date.now()
      return backend.savePagesBulk(
        (async function* () {
          for (let i = 0; i < (input as number); i++) yield syntheticPage(siteId, i, now)
        })(),
      )
    },
  },
  'enqueue-frontier': {
    description: (count) =>
      `enqueueFrontierItems of ${count.toLocaleString('en-US')} items, ${ENQUEUE_CALL.toLocaleString('en-US')} a call`,
    // All but GROWTH_OPEN_ITEMS finished: claims and listings must not pay for the finished ones.
    prepare: ({ runId, siteId, count }) => syntheticFrontier(runId, siteId, count, 0, GROWTH_OPEN_ITEMS),
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

/** Open (pending) items of a growth site's frontier; the others are finished. */
export const GROWTH_OPEN_ITEMS = 300

const SEED_CHUNK = 500
const SEED_CHUNKS_IN_FLIGHT = 4
const MIGRATION_SEGMENTS = 4
/** Without a limit V8 grows the heap lazily (≈580 MB RSS at 30,000 records); 30,000 fit in 100 MB. */
const MIGRATION_HEAP_LIMIT_MB = 128

const otherLayout = (layout: LayoutName): LayoutName =>
  layout === 'single-table' ? 'multi-table' : 'single-table'
const backendConfig = (endpointUrl: string, layout: LayoutName, tablePrefix: string) => ({
  backend: { endpointUrl, layout, tablePrefix },
})

/**
 * `count` logical records of one site, written straight through the layout's record writer (the
 * migration's own batched writer, faster than page saves): the site, its run, then pages with
 * every tenth record a frontier item instead.
 */
function* migrationSource(siteId: string, runId: string, count: number): Generator<LogicalRecord> {
  const now = new Date()
  yield { table: 'sites', value: SiteSchema.parse({ siteId, name: siteId, seeds: [pageUrl(siteId, 0)] }) }
  yield { table: 'runs', value: CrawlRunSchema.parse({ runId, siteId, status: 'running', startedAt: now }) }
  const frontierEvery = 10
  for (let i = 0; i < count - 2; i++) {
    if (i % frontierEvery === frontierEvery - 1) {
      const [item] = syntheticFrontier(runId, siteId, 1, i)
      yield { table: 'frontier', value: FrontierItemSchema.parse(item) }
    } else {
      yield { table: 'pages', value: syntheticPage(siteId, i, now.getTime()) }
    }
  }
}

/**
 * Migration memory: `setup` fills the scenario's source tables (the measured layout) with `count`
 * records in the bench process; the child migrates them to the other layout on tables of its own
 * (same prefix, so the memory section drops them too) and reports the records copied.
 */
export const MIGRATION_MEMORY_SCENARIOS: Record<string, MemoryScenario> = {
  'migrate-to-other-layout': {
    heapLimitMb: MIGRATION_HEAP_LIMIT_MB,
    description: (count) =>
      `migrateLayout of ${count.toLocaleString('en-US')} records (pages, one frontier item in ten) to the other layout, ${MIGRATION_SEGMENTS} Scan segments`,
    setup: async ({ endpoint, layout, tablePrefix, siteId, runId, count }) => {
      const { records } = layoutFor(backendConfig(endpoint, layout, tablePrefix))
      const source = migrationSource(siteId, runId, count)
      const writeChunks = async () => {
        for (;;) {
          const chunk: LogicalRecord[] = []
          // next(), not for…of: breaking out of a for…of would close the shared generator.
          for (let next = source.next(); !next.done; next = source.next()) {
            chunk.push(next.value)
            if (chunk.length === SEED_CHUNK) break
          }
          if (chunk.length === 0) return
          await records.write(chunk)
        }
      }
      await Promise.all(Array.from({ length: SEED_CHUNKS_IN_FLIGHT }, writeChunks))
    },
    prepare: () => null,
    run: async (_backend, _input, { endpoint, layout, tablePrefix, count }) => {
      const report = await migrateLayout({
        source: backendConfig(endpoint, layout, tablePrefix),
        target: backendConfig(endpoint, otherLayout(layout), `${tablePrefix}to_`),
        segments: MIGRATION_SEGMENTS,
      })
      if (!report.ok) throw new Error(`migration failed: ${report.error ?? 'see report'}`)
      const written = Object.values(report.tables).reduce((sum, table) => sum + table.written, 0)
      if (written !== count) throw new Error(`migration wrote ${written} of the ${count} source records`)
      return written
    },
  },
}

export const MEMORY_SCENARIOS: Record<string, MemoryScenario> = {
  ...STORAGE_MEMORY_SCENARIOS,
  ...MIGRATION_MEMORY_SCENARIOS,
}
