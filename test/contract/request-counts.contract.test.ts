import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ACCESS_PATTERNS, measurePattern, type PatternFixture } from '../../src/demo/access-patterns.js'
import { seedCrawl } from '../../src/demo/seed.js'
import { diffMetrics, formatOperations } from '../../src/engine/metrics.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'

/**
 * The documented cost rows of docs/data-model.md: pattern name → requests and operations per
 * layout (columns 3–6 single-table, 7–10 multi-table).
 */
function documentedCosts(layout: string): Map<string, { requests: number; operations: string }> {
  const offset = layout === 'single-table' ? 0 : 5
  const rows = new Map<string, { requests: number; operations: string }>()
  for (const line of readFileSync(new URL('../../docs/data-model.md', import.meta.url), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    if (cells.length < 13 || !/^\d+$/.test(cells[1] ?? '') || !/^\d+$/.test(cells[4 + offset] ?? '')) continue
    rows.set(cells[2]!, { requests: Number(cells[4 + offset]), operations: cells[5 + offset]! })
  }
  return rows
}

/** Request counts do not depend on the engine; those of filtered reads depend on the data, so the demo's data set is used. */
const COMBINATIONS = MATRIX.filter(({ engine }) => engine === 'dynalite')

describe.each(COMBINATIONS)('requests per access pattern — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)
    let fixture: PatternFixture

    it('seeds the demo crawl', async () => {
      fixture = await seedCrawl(ctx.backend)
    })

    it.each(ACCESS_PATTERNS.map((p) => [p.name, p] as const))(
      '%s costs what docs/data-model.md says',
      async (_, pattern) => {
        const documented = documentedCosts(layout).get(pattern.name)
        expect(documented, `docs/data-model.md has no row for "${pattern.name}"`).toBeDefined()
        const cost = await measurePattern(ctx.backend, pattern, fixture)
        expect({ requests: cost.metrics.requests, operations: formatOperations(cost.metrics) }).toEqual(
          documented,
        )
      },
    )

    it('deleteSite uses Queries and batched deletes, never a Scan', async () => {
      const before = ctx.backend.metrics()
      const result = await ctx.backend.deleteSite(fixture.siteId)
      expect(result.deleted).toBe(true)
      const after = ctx.backend.metrics()
      expect(after.byOperation.Scan?.requests ?? 0).toBe(before.byOperation.Scan?.requests ?? 0)
      const used = diffMetrics(after, before).byOperation
      expect(Object.keys(used).every((op) => ['BatchWriteItem', 'DeleteItem', 'Query'].includes(op))).toBe(
        true,
      )
      // Both layouts find everything with one Query per kind of item (multi-table: versions and
      // frontier by their site_id indexes, pages and runs by partition), never one per page or run.
      expect(used.Query?.requests).toBe(layout === 'single-table' ? 5 : 4)
      expect(used.BatchWriteItem?.requests ?? 0).toBeLessThanOrEqual(Math.ceil(result.items / 25) + 5)
      // The site item; single-table's counter items go in one more BatchWriteItem.
      expect(used.DeleteItem?.requests).toBe(1)
    })
  })
})
