import { describe, expect, it } from 'vitest'
import type { PageInput } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { page, site } from '../support/fixtures.js'

const HOUR = 3_600_000
const NOW = new Date('2026-03-01T12:00:00.000Z')

describe.each(MATRIX)('recrawl listing of a mostly fresh site — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('returns exactly `limit` pages while that many are due, each due page once', async () => {
      // 1,000 pages: every 20th never crawled (5%), every 25th other one crawled two days ago,
      // the rest an hour ago. The never-crawled pages are sparse in the multi-table partition a
      // filter reads, which is where a page used to come back short.
      const s = await ctx.backend.saveSite(site())
      const pages: PageInput[] = Array.from({ length: 1_000 }, (_, i) => {
        const neverCrawled = i % 20 === 7
        const hoursAgo = i % 25 === 3 ? 48 + (i % 7) : 1
        return page(s.siteId, `https://example.com/fresh/${i}`, {
          lastCrawled: neverCrawled ? null : new Date(NOW.getTime() - hoursAgo * HOUR),
        })
      })
      expect(await ctx.backend.savePagesBulk(pages)).toBe(1_000)
      const due = pages.filter(
        (p) => p.lastCrawled === null || new Date(p.lastCrawled!).getTime() < NOW.getTime() - 24 * HOUR,
      )
      expect(due.length).toBeGreaterThan(80)

      const limit = 40
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const result = await ctx.backend.getPagesNeedingRecrawl(s.siteId, {
          limit,
          cursor,
          maxAgeHours: 24,
          now: NOW,
        })
        expect(result.items.length).toBe(Math.min(limit, due.length - seen.length))
        seen.push(...result.items.map((p) => p.pageId))
        cursor = result.cursor
      } while (cursor !== null && seen.length < due.length + limit)
      expect(seen.length).toBe(due.length)
      expect(new Set(seen)).toEqual(new Set(due.map((p) => p.pageId)))
      const neverCrawled = due.filter((p) => p.lastCrawled === null).length
      expect(new Set(seen.slice(0, neverCrawled))).toEqual(
        new Set(due.filter((p) => p.lastCrawled === null).map((p) => p.pageId)),
      )
    })
  })
})
