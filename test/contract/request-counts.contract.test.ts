import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ACCESS_PATTERNS, measurePattern, type PatternFixture } from '../../src/demo/access-patterns.js'
import { seedCrawl } from '../../src/demo/seed.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'

/** The documented cost rows of docs/data-model.md: pattern name → requests and operations. */
function documentedCosts(): Map<string, { requests: number; operations: string }> {
  const rows = new Map<string, { requests: number; operations: string }>()
  for (const line of readFileSync(new URL('../../docs/data-model.md', import.meta.url), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    if (cells.length < 8 || !/^\d+$/.test(cells[1] ?? '') || !/^\d+$/.test(cells[4] ?? '')) continue
    rows.set(cells[2]!, { requests: Number(cells[4]), operations: cells[5]! })
  }
  return rows
}

describe.each(MATRIX)('requests per access pattern — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)
    let fixture: PatternFixture

    it('seeds a small crawl', async () => {
      fixture = await seedCrawl(ctx.backend, { sites: 2, pages: 240, frontierUrls: 60, workers: 3 })
    })

    it.each(ACCESS_PATTERNS.map((p) => [p.name, p] as const))(
      '%s costs what docs/data-model.md says',
      async (_, pattern) => {
        const documented = documentedCosts().get(pattern.name)
        expect(documented, `docs/data-model.md has no row for "${pattern.name}"`).toBeDefined()
        const cost = await measurePattern(ctx.backend, pattern, fixture)
        const operations = Object.entries(cost.metrics.byOperation)
          .map(([op, m]) => `${m.requests} ${op}`)
          .join(' + ')
        expect({ requests: cost.metrics.requests, operations }).toEqual(documented)
      },
    )

    it('deleteSite uses Queries and batched deletes, never a Scan', async () => {
      const before = ctx.backend.metrics()
      const result = await ctx.backend.deleteSite(fixture.siteId)
      expect(result.deleted).toBe(true)
      const after = ctx.backend.metrics()
      expect(after.byOperation.Scan?.requests ?? 0).toBe(before.byOperation.Scan?.requests ?? 0)
      const queries = (after.byOperation.Query?.requests ?? 0) - (before.byOperation.Query?.requests ?? 0)
      const batches =
        (after.byOperation.BatchWriteItem?.requests ?? 0) - (before.byOperation.BatchWriteItem?.requests ?? 0)
      expect(queries).toBeGreaterThanOrEqual(5)
      expect(batches).toBeLessThanOrEqual(Math.ceil(result.items / 25) + 5)
    })
  })
})
