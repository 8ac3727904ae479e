import { createStorageBackend } from '../storage.js'
import { ACCESS_PATTERNS, measurePattern, type PatternCost } from './access-patterns.js'
import { seedCrawl } from './seed.js'

export interface DemoOptions {
  pages?: number
  /** Where lines go; default stdout. */
  print?: (line: string) => void
}

export interface DemoResult {
  layout: 'single-table'
  costs: PatternCost[]
}

/** Seeds a synthetic crawl on the embedded engine and runs every access pattern, printing its cost. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const print = options.print ?? ((line: string) => console.log(line))
  const results: DemoResult[] = []
  for (const layout of ['single-table'] as const) {
    const backend = createStorageBackend({ backend: { endpointUrl: 'embedded', layout } })
    try {
      print(`\n== ${layout} layout on the embedded engine (dynalite, in process) ==`)
      await backend.initialize()
      const started = Date.now()
      const fixture = await seedCrawl(backend, {
        pages: options.pages ?? 1_000,
        onProgress: (m) => print(`  seeding: ${m}`),
      })
      print(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      const costs: PatternCost[] = []
      for (const pattern of ACCESS_PATTERNS) costs.push(await measurePattern(backend, pattern, fixture))
      print(formatCosts(costs))
      results.push({ layout, costs })
    } finally {
      await backend.close()
    }
  }
  return results
}

export function formatCosts(costs: PatternCost[]): string {
  const rows = costs.map(({ pattern, result, metrics }) => [
    String(pattern.row),
    pattern.name,
    String(metrics.requests),
    Object.entries(metrics.byOperation)
      .map(([op, m]) => `${m.requests} ${op}`)
      .join(' + '),
    metrics.readCapacityUnits.toFixed(1),
    metrics.writeCapacityUnits.toFixed(1),
    result.length > 40 ? `${result.slice(0, 37)}...` : result,
  ])
  const header = ['#', 'access pattern', 'requests', 'operations', 'RCU', 'WCU', 'result']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
