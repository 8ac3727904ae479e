import { describe, expect, it } from 'vitest'
import type { StorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { page, site } from '../support/fixtures.js'

// The feed through savePagesBulk's batch path (PartiQL where the engine runs it): a bulk save is a
// change exactly when a single save would be one.

async function everyChange(backend: StorageBackend, siteId: string, cursor: string | null = null) {
  const ids: string[] = []
  for (;;) {
    const result = await backend.listPageChanges(siteId, { cursor })
    ids.push(...result.items.map((c) => c.page.pageId))
    cursor = result.cursor
    if (result.items.length === 0) return { ids, cursor }
  }
}

describe.each(MATRIX)('change feed through bulk saves — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout, { changeFeedDelaySeconds: 0 })

    it('60 new pages are 60 changes; re-saved unchanged in bulk, none; 5 with a new contentHash, those 5', async () => {
      const s = site()
      await ctx.backend.saveSite(s)
      const pages = Array.from({ length: 60 }, (_, i) =>
        page(s.siteId, `https://example.com/bulk/${i}`, { contentHash: `h${i}` }),
      )
      await ctx.backend.savePagesBulk(pages)
      const first = await everyChange(ctx.backend, s.siteId)
      expect(new Set(first.ids).size).toBe(60)

      const stored = (await ctx.backend.listPages(s.siteId)).items
      await ctx.backend.savePagesBulk(stored.map((p) => ({ ...p, lastCrawled: new Date() })))
      expect((await everyChange(ctx.backend, s.siteId, first.cursor)).ids).toEqual([])

      const again = (await ctx.backend.listPages(s.siteId)).items
      const changed = new Set(again.slice(0, 5).map((p) => p.pageId))
      await ctx.backend.savePagesBulk(
        again.map((p) => (changed.has(p.pageId) ? { ...p, contentHash: `${p.contentHash}-2` } : p)),
      )
      expect(new Set((await everyChange(ctx.backend, s.siteId, first.cursor)).ids)).toEqual(changed)
    })
  })
})
