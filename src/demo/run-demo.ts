import { formatOperations } from '../engine/metrics.js'
import { createStorageBackend } from '../storage.js'
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
 * Seeds the same synthetic crawl in each layout on the embedded engine, runs every access pattern
 * through the typed API, and prints what each cost, side by side.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const print = options.print ?? ((line: string) => console.log(line))
  const results: DemoResult[] = []
  for (const layout of options.layouts ?? (['single-table', 'multi-table'] as const)) {
    const backend = createStorageBackend({ backend: { endpointUrl: 'embedded', layout } })
    try {
      print(`== ${layout} layout on the embedded engine (dynalite, in process) ==`)
      await backend.initialize()
      const started = Date.now()
      const fixture = await seedCrawl(backend, {
        pages: options.pages ?? 1_000,
        onProgress: (m) => print(`  seeding: ${m}`),
      })
      print(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      const costs: PatternCost[] = []
      for (const pattern of ACCESS_PATTERNS) costs.push(await measurePattern(backend, pattern, fixture))
      results.push({ layout, costs })
    } finally {
      await backend.close()
    }
  }
  print('')
  print(formatSideBySide(results))
  print(
    '\nrequests per call; RCU/WCU as dynalite reports them (docs/data-model.md has DynamoDB Local figures)',
  )
  return results
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
