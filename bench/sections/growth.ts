import type { StorageBackend } from '../../src/index.js'
import type { RunningEngine } from '../engines.js'
import { syntheticPage } from '../fixtures/synthetic.js'
import type { LayoutName } from '../layouts.js'
import type { ChildReport } from '../memory/child.js'
import { memoryRow } from '../memory/memory-row.js'
import { runInChild } from '../memory/run-child.js'
import type { ScenarioArgs } from '../memory/scenarios.js'
import type { GrowthResult, GrowthRow, MemoryRow, SeedingRow } from '../report/types.js'
import { costOf, meanCost } from '../support/cost.js'
import { dropTables } from '../support/drop-tables.js'
import { type MeteredBackend, openMetered } from '../support/metered-backend.js'
import { summarize } from '../support/stats.js'

/** One call measured at every site size: `i` numbers the calls (point reads pick page `i`). */
interface GrowthOperation {
  operation: string
  limit: number | null
  call: (backend: StorageBackend, site: GrowthSite, i: number) => Promise<unknown>
}

interface GrowthSite {
  siteId: string
  runId: string
  pages: number
  frontierItems: number
  /** Page ids and URLs of a sample of the site's pages, for point reads. */
  sample: { pageId: string; url: string }[]
}

const list = (limit: number): GrowthOperation => ({
  operation: 'list pages',
  limit,
  call: (b, s) => b.listPages(s.siteId, { limit }),
})
const recrawl = (limit: number): GrowthOperation => ({
  operation: 'pages needing recrawl (maxAgeHours 24)',
  limit,
  call: (b, s) => b.getPagesNeedingRecrawl(s.siteId, { limit, maxAgeHours: 24 }),
})

export const GROWTH_OPERATIONS: GrowthOperation[] = [
  { operation: 'page by id', limit: null, call: (b, s, i) => b.getPage(s.siteId, pick(s, i).pageId) },
  { operation: 'page by URL', limit: null, call: (b, s, i) => b.getPageByUrl(s.siteId, pick(s, i).url) },
  { operation: 'count pages', limit: null, call: (b, s) => b.countPages(s.siteId) },
  list(100),
  list(1_000),
  recrawl(100),
  recrawl(1_000),
  {
    operation: 'frontier by status (pending)',
    limit: 100,
    call: (b, s) => b.getFrontierItems(s.runId, { status: 'pending', limit: 100 }),
  },
  {
    operation: 'claim next 5',
    limit: 5,
    call: (b, s) => b.claimFrontierItems(s.runId, { workerId: 'growth-worker', limit: 5 }),
  },
]

function pick(site: GrowthSite, i: number) {
  return site.sample[(i * 7919) % site.sample.length]!
}

export interface GrowthOutcome {
  result: GrowthResult | null
  skipped?: string
  memory: MemoryRow[]
}

/** Sites seeded for the growth measurements, with what seeding them took and the children's memory. */
export interface SeededGrowth {
  opened: MeteredBackend
  sites: GrowthSite[]
  seeding: SeedingRow[]
  memory: MemoryRow[]
}

export interface GrowthOptions {
  sizes: number[]
  frontierCap: number | null
  repetitions: number
  log: (line: string) => void
}

/**
 * Seeds sites of growing size on fresh tables, each in child processes (savePagesBulk of all its
 * pages in one call, then enqueueFrontierItems of its run's frontier), whose peak RSS is the
 * memory section's figure.
 */
export async function seedGrowth(
  engine: RunningEngine,
  layout: LayoutName,
  options: GrowthOptions,
): Promise<SeededGrowth | { skipped: string }> {
  const opened = await openMetered(engine.endpoint, layout, 'growth')
  if ('skipped' in opened) return opened
  const seeded: SeededGrowth = { opened, sites: [], seeding: [], memory: [] }
  try {
    for (const pages of options.sizes) {
      const site: GrowthSite = {
        siteId: `growth-${pages}`,
        runId: `growth-${pages}-run`,
        pages,
        frontierItems: Math.min(pages, options.frontierCap ?? pages),
        sample: Array.from({ length: Math.min(pages, 500) }, (_, k) => {
          const page = syntheticPage(`growth-${pages}`, Math.floor((k * pages) / Math.min(pages, 500)))
          return { pageId: page.pageId, url: page.url }
        }),
      }
      for (const scenario of ['bulk-save-pages', 'enqueue-frontier'] as const) {
        const args: ScenarioArgs = {
          scenario,
          endpoint: engine.endpoint,
          layout,
          tablePrefix: opened.tablePrefix,
          siteId: site.siteId,
          runId: site.runId,
          count: scenario === 'bulk-save-pages' ? pages : site.frontierItems,
        }
        const report = await runInChild(args)
        options.log(`${scenario} ${pages}: ${report.seconds.toFixed(1)} s`)
        seeded.seeding.push(seedingRow(scenario, report))
        seeded.memory.push(memoryRow(engine, layout, args, report))
      }
      seeded.sites.push(site)
    }
    return seeded
  } catch (error) {
    await closeGrowth(engine, seeded)
    throw error
  }
}

/** Every growth operation at each seeded size; closes the backend and drops the tables after. */
export async function measureGrowth(
  engine: RunningEngine,
  layout: LayoutName,
  seeded: SeededGrowth,
  options: GrowthOptions,
): Promise<GrowthOutcome> {
  try {
    const rows: GrowthRow[] = []
    for (const site of seeded.sites) {
      for (const operation of GROWTH_OPERATIONS) {
        rows.push(await measure(seeded.opened, site, operation, options.repetitions))
      }
    }
    return {
      result: {
        engine: engine.name,
        engineLabel: engine.label,
        layout,
        measuredAt: new Date().toISOString(),
        sizes: options.sizes,
        rows,
        seeding: seeded.seeding,
      },
      memory: seeded.memory,
    }
  } finally {
    await closeGrowth(engine, seeded)
  }
}

async function closeGrowth(engine: RunningEngine, seeded: SeededGrowth): Promise<void> {
  await seeded.opened.close()
  await dropTables(engine.endpoint, seeded.opened.tablePrefix)
}

/** Seeds, then measures. */
export async function runGrowth(
  engine: RunningEngine,
  layout: LayoutName,
  options: GrowthOptions,
): Promise<GrowthOutcome> {
  const seeded = await seedGrowth(engine, layout, options)
  if ('skipped' in seeded) return { result: null, skipped: seeded.skipped, memory: [] }
  return measureGrowth(engine, layout, seeded, options)
}

async function measure(
  source: Parameters<typeof costOf>[0] & { backend: StorageBackend },
  site: GrowthSite,
  operation: GrowthOperation,
  repetitions: number,
): Promise<GrowthRow> {
  const calls = []
  for (let i = 0; i <= repetitions; i++)
    calls.push(await costOf(source, () => operation.call(source.backend, site, i)))
  return {
    sitePages: site.pages,
    frontierItems: site.frontierItems,
    operation: operation.operation,
    limit: operation.limit,
    ...meanCost(calls.map((c) => c.cost)),
    latency: summarize(calls.slice(1).map((c) => c.ms)),
  }
}

function seedingRow(scenario: string, report: ChildReport): SeedingRow {
  return {
    what: scenario === 'bulk-save-pages' ? 'savePagesBulk' : 'enqueueFrontierItems',
    items: report.items,
    seconds: report.seconds,
    itemsPerSec: report.items / report.seconds,
    requests: report.requests,
  }
}
