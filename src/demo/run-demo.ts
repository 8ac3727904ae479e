import { startEmbeddedEngine } from '../engine/embedded.js'
import { formatOperations } from '../engine/metrics.js'
import { migrateLayout } from '../layout-tools/migrate.js'
import { verifyLayouts } from '../layout-tools/verify.js'
import { createStorageBackend } from '../services/factory.js'
import { ACCESS_PATTERNS, measurePattern, type PatternCost } from './access-patterns.js'
import { seedCrawl } from './seed.js'

export type LayoutName = 'single-table' | 'multi-table'

export interface DemoOptions {
  pages?: number
  layouts?: LayoutName[]
  /** Where lines go; default stdout. */
  print?: (line: string) => void
}

export interface DemoResult {
  layout: LayoutName
  costs: PatternCost[]
}

/**
 * Seeds the same synthetic crawl in each layout on one embedded engine, runs every access pattern
 * through the typed API, prints what each cost side by side, then migrates one layout into the
 * other and verifies the copy.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const print = options.print ?? ((line: string) => console.log(line))
  const results: DemoResult[] = []
  const engine = await startEmbeddedEngine()
  try {
    for (const layout of options.layouts ?? (['single-table', 'multi-table'] as const)) {
      results.push(await measureLayout(engine.endpoint, layout, options.pages ?? 1_000, print))
    }
    print('')
    print(formatSideBySide(results))
    print(
      '\nrequests per call; RCU/WCU as dynalite reports them (docs/data-model.md has DynamoDB Local figures)',
    )
    if (results.some((r) => r.layout === 'single-table')) await migrateAndVerify(engine.endpoint, print)
  } finally {
    await engine.stop()
  }
  return results
}

async function measureLayout(
  endpointUrl: string,
  layout: LayoutName,
  pages: number,
  print: (line: string) => void,
): Promise<DemoResult> {
  const backend = createStorageBackend({ backend: { endpointUrl, layout, tablePrefix: 'demo_' } })
  try {
    print(`== ${layout} layout on the embedded engine (dynalite, in process) ==`)
    await backend.initialize()
    const started = Date.now()
    const fixture = await seedCrawl(backend, { pages, onProgress: (m) => print(`  seeding: ${m}`) })
    print(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const costs: PatternCost[] = []
    for (const pattern of ACCESS_PATTERNS) costs.push(await measurePattern(backend, pattern, fixture))
    return { layout, costs }
  } finally {
    await backend.close()
  }
}

/** Copies the seeded single-table data into fresh multi-table tables and verifies the copy. */
async function migrateAndVerify(endpointUrl: string, print: (line: string) => void): Promise<void> {
  const source = { backend: { endpointUrl, layout: 'single-table' as const, tablePrefix: 'demo_' } }
  const target = { backend: { endpointUrl, layout: 'multi-table' as const, tablePrefix: 'migrated_' } }
  print('\n== migrate single-table → multi-table (fresh tables), then verify ==')
  const migration = await migrateLayout({ source, target, segments: 4 })
  const copied = Object.entries(migration.tables)
    .filter(([table]) => table !== 'pageCounts')
    .map(([table, c]) => `${table} ${c.written}/${c.read}`)
  const seconds = migration.durationMs / 1000
  const written = Object.values(migration.tables).reduce((sum, c) => sum + c.written, 0)
  print(
    `  migrated (written/read): ${copied.join(', ')} in ${seconds.toFixed(1)} s (${Math.round(written / seconds)} records/s)`,
  )
  if (migration.error) print(`  migration error: ${migration.error}`)
  const verify = await verifyLayouts({ source, target })
  const matched = Object.entries(verify.tables).map(([t, c]) => `${t} ${c.matched}/${c.source}`)
  print(
    `  verify: ${verify.ok ? 'equal' : `${verify.differences.length} differences`} (${matched.join(', ')})`,
  )
}

/** One row per access pattern: its result and, per layout, requests, operations, RCU and WCU. */
export function formatSideBySide(results: DemoResult[]): string {
  const header = ['#', 'access pattern', 'result']
  for (const { layout } of results) header.push(`${layout} requests`, 'operations', 'RCU', 'WCU')
  const rows = ACCESS_PATTERNS.map((pattern, i) => {
    const first = results[0]?.costs[i]
    const result = first?.result ?? ''
    const cells = [
      String(pattern.row),
      pattern.name,
      result.length > 30 ? `${result.slice(0, 27)}...` : result,
    ]
    for (const { costs } of results) {
      const m = costs[i]!.metrics
      cells.push(
        String(m.requests),
        formatOperations(m),
        m.readCapacityUnits.toFixed(1),
        m.writeCapacityUnits.toFixed(1),
      )
    }
    return cells
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
