import { describe, expect, it } from 'vitest'
import { ConflictError, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, page, site } from '../support/fixtures.js'

describe.each(MATRIX)('pages — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('saves and reads a page by id and by exact, case-sensitive URL', async () => {
      const s = await ctx.backend.saveSite(site())
      const lower = await ctx.backend.savePage(
        page(s.siteId, 'https://example.com/a', { etag: 'e1', statusCode: 200 }),
      )
      const upper = await ctx.backend.savePage(page(s.siteId, 'https://example.com/A'))
      expect(lower.revision).toBe(1)
      expect(await ctx.backend.getPage(s.siteId, lower.pageId)).toEqual(lower)
      expect((await ctx.backend.getPageByUrl(s.siteId, 'https://example.com/a'))?.pageId).toBe(lower.pageId)
      expect((await ctx.backend.getPageByUrl(s.siteId, 'https://example.com/A'))?.pageId).toBe(upper.pageId)
      expect(await ctx.backend.getPageByUrl(s.siteId, 'https://example.com/b')).toBeNull()
      expect(await ctx.backend.getPageByUrl('other-site', 'https://example.com/a')).toBeNull()
    })

    it('finds a 3,000-character URL', async () => {
      const s = await ctx.backend.saveSite(site())
      const url = `https://example.com/${'x'.repeat(2980)}`
      const p = await ctx.backend.savePage(page(s.siteId, url))
      expect((await ctx.backend.getPageByUrl(s.siteId, url))?.pageId).toBe(p.pageId)
      expect(await ctx.backend.getPageByUrl(s.siteId, `${url}y`)).toBeNull()
    })

    it('increments revision on every save and rejects stale writes', async () => {
      const s = await ctx.backend.saveSite(site())
      const p1 = await ctx.backend.savePage(page(s.siteId, 'https://example.com/r'), { expectedRevision: 0 })
      expect(p1.revision).toBe(1)
      const p2 = await ctx.backend.savePage({ ...p1, depth: 2 }, { expectedRevision: 1 })
      expect(p2.revision).toBe(2)
      await expect(ctx.backend.savePage({ ...p1, depth: 9 }, { expectedRevision: 1 })).rejects.toBeInstanceOf(
        ConflictError,
      )
      await expect(ctx.backend.savePage({ ...p1, depth: 9 }, { expectedRevision: 0 })).rejects.toBeInstanceOf(
        ConflictError,
      )
      const stored = await ctx.backend.getPage(s.siteId, p1.pageId)
      expect(stored?.depth).toBe(2)
      expect(stored?.revision).toBe(2)
      const p3 = await ctx.backend.savePage({ ...p1, depth: 3 })
      expect(p3.revision).toBe(3)
    })

    it('of concurrent stale saves exactly one wins and the rest get ConflictError', async () => {
      const s = await ctx.backend.saveSite(site())
      const base = await ctx.backend.savePage(page(s.siteId, 'https://example.com/race'))
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          ctx.backend.savePage({ ...base, errorCount: i + 1 }, { expectedRevision: 1 }),
        ),
      )
      const won = attempts.filter((a) => a.status === 'fulfilled')
      const lost = attempts.filter((a) => a.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost.every((a) => (a as PromiseRejectedResult).reason instanceof ConflictError)).toBe(true)
      const stored = await ctx.backend.getPage(s.siteId, base.pageId)
      expect(stored?.revision).toBe(2)
      expect(stored?.errorCount).toBe(
        (won[0] as PromiseFulfilledResult<{ errorCount: number }>).value.errorCount,
      )
    })

    it('lists live pages or all pages with tombstones, paginated exactly', async () => {
      const s = await ctx.backend.saveSite(site())
      for (let i = 0; i < 12; i++) {
        await ctx.backend.savePage(page(s.siteId, `https://example.com/p${i}`, { isTombstone: i % 4 === 0 }))
      }
      const live = await collectAll((cursor) => ctx.backend.listPages(s.siteId, { limit: 4, cursor }))
      expect(live.items).toHaveLength(9)
      expect(live.items.every((p) => !p.isTombstone)).toBe(true)
      expect(live.emptyPagesWithCursor).toBe(0)
      expect(live.pages).toBe(3)
      const all = await collectAll((cursor) =>
        ctx.backend.listPages(s.siteId, { limit: 5, cursor, includeTombstones: true }),
      )
      expect(all.items).toHaveLength(12)
      expect(new Set(all.items.map((p) => p.pageId)).size).toBe(12)
      const first = await ctx.backend.listPages(s.siteId, { limit: 9 })
      expect(first.items).toHaveLength(9)
      expect(first.cursor).toBeNull()
    })

    it('counts pages in O(1), following tombstones and resurrections', async () => {
      const s = await ctx.backend.saveSite(site())
      const a = await ctx.backend.savePage(page(s.siteId, 'https://example.com/1'))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/2'))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/3', { isTombstone: true }))
      expect(await ctx.backend.countPages(s.siteId)).toBe(2)
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(3)
      await ctx.backend.savePage({ ...a, isTombstone: true })
      expect(await ctx.backend.countPages(s.siteId)).toBe(1)
      await ctx.backend.savePage({ ...a, isTombstone: false })
      await ctx.backend.savePage({ ...a, isTombstone: false })
      expect(await ctx.backend.countPages(s.siteId)).toBe(2)
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(3)
      expect(await ctx.backend.countPages('no-such-site')).toBe(0)
    })

    it('orders the recrawl queue: live only, never crawled first, then oldest; honours maxAgeHours', async () => {
      const s = await ctx.backend.saveSite(site())
      const at = (h: number) => new Date(Date.UTC(2026, 5, 1, h))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/old', { lastCrawled: at(1) }))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/new', { lastCrawled: at(10) }))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/never'))
      await ctx.backend.savePage(page(s.siteId, 'https://example.com/mid', { lastCrawled: at(5) }))
      await ctx.backend.savePage(
        page(s.siteId, 'https://example.com/dead', { lastCrawled: at(0), isTombstone: true }),
      )
      const all = await collectAll((cursor) =>
        ctx.backend.getPagesNeedingRecrawl(s.siteId, { limit: 2, cursor }),
      )
      expect(all.items.map((p) => p.url.split('/').pop())).toEqual(['never', 'old', 'mid', 'new'])
      const due = await ctx.backend.getPagesNeedingRecrawl(s.siteId, { maxAgeHours: 4, now: at(10) })
      expect(due.items.map((p) => p.url.split('/').pop())).toEqual(['never', 'old', 'mid'])
    })

    it('bulk-saves pages and counts them', async () => {
      const s = await ctx.backend.saveSite(site())
      const pages = Array.from({ length: 60 }, (_, i) => page(s.siteId, `https://example.com/bulk/${i}`))
      expect(await ctx.backend.savePagesBulk(pages)).toBe(60)
      expect(await ctx.backend.countPages(s.siteId)).toBe(60)
      expect((await ctx.backend.savePagesBulk(pages)) && (await ctx.backend.countPages(s.siteId))).toBe(60)
      expect((await ctx.backend.getPage(s.siteId, pages[0]!.pageId))?.revision).toBe(2)
    })

    it('rejects bad pages with ValidationError naming the field, writing nothing', async () => {
      const s = await ctx.backend.saveSite(site())
      const good = page(s.siteId, 'https://example.com/good')
      const cases: [Record<string, unknown>, string][] = [
        [{ ...good, depth: -1 }, 'page.depth'],
        [{ ...good, depth: 'deep' }, 'page.depth'],
        [{ ...good, pageId: '' }, 'page.pageId'],
        [{ ...good, pageId: 'x'.repeat(1025) }, 'page.pageId'],
        [{ ...good, url: undefined }, 'page.url'],
        [{ ...good, firstSeen: 'yesterday' }, 'page.firstSeen'],
      ]
      for (const [input, path] of cases) {
        const error = await ctx.backend.savePage(input as never).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ValidationError)
        expect((error as ValidationError).paths).toContain(path)
      }
      const bulk = await ctx.backend.savePagesBulk([good, { ...good, pageId: '' }]).catch((e: unknown) => e)
      expect(bulk).toBeInstanceOf(ValidationError)
      expect((bulk as ValidationError).paths).toContain('pages.1.pageId')
      expect(await ctx.backend.getPage(s.siteId, good.pageId)).toBeNull()
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(0)
    })
  })
})
