import { describe, expect, it } from 'vitest'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, frontierItem, page, run, site, version } from '../support/fixtures.js'

/** Ids that could forge key delimiters or expressions, plus case twins; every one must stay distinct. */
const NASTY = [
  'a#b',
  'a',
  'A',
  'a:b',
  'a)b',
  'a OR 1=1',
  "a' OR '1'='1",
  'a|b$c',
  '%23',
  'a b',
  '#',
  ':',
  ')',
  ' OR ',
  'a%b',
]

describe.each(MATRIX)('injection — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('keeps every nasty id distinct through every id and URL field', async () => {
      const prefix = `inj-${Date.now()}-`
      for (const raw of NASTY) {
        const id = prefix + raw
        await ctx.backend.saveSite(site({ siteId: id, name: raw }))
        await ctx.backend.saveRun(run(id, { runId: id, errorMessage: raw }))
        await ctx.backend.savePage(page(id, `https://e/${raw}`, { pageId: id, lastError: raw }))
        await ctx.backend.saveVersion(
          version({ pageId: id, siteId: id, url: `https://e/${raw}` }, { versionId: id, markdown: raw }),
        )
        await ctx.backend.enqueueFrontierItems([
          frontierItem(id, id, `https://e/${raw}`, { itemId: id, lastError: raw }),
        ])
      }
      for (const raw of NASTY) {
        const id = prefix + raw
        expect((await ctx.backend.getSite(id))?.name).toBe(raw)
        expect((await ctx.backend.getRun(id))?.errorMessage).toBe(raw)
        expect((await ctx.backend.listRuns(id)).items.map((r) => r.runId)).toEqual([id])
        expect((await ctx.backend.getPage(id, id))?.lastError).toBe(raw)
        expect((await ctx.backend.getPageByUrl(id, `https://e/${raw}`))?.pageId).toBe(id)
        expect((await ctx.backend.listPages(id)).items.map((p) => p.pageId)).toEqual([id])
        expect(await ctx.backend.countPages(id)).toBe(1)
        expect((await ctx.backend.getVersion(id, id))?.markdown).toBe(raw)
        expect((await ctx.backend.listVersions(id)).items.map((v) => v.versionId)).toEqual([id])
        const frontier = await collectAll((cursor) => ctx.backend.getFrontierItems(id, { cursor }))
        expect(frontier.items.map((f) => f.lastError)).toEqual([raw])
        const claimed = await ctx.backend.claimFrontierItems(id, { workerId: id })
        expect(claimed.map((f) => f.itemId)).toEqual([id])
        expect((await ctx.backend.updateFrontierStatus(id, id, 'completed', { workerId: id })).status).toBe(
          'completed',
        )
      }
      const first = prefix + NASTY[0]
      expect((await ctx.backend.deleteSite(first)).items).toBe(5)
      expect(await ctx.backend.getSite(prefix + NASTY[1])).not.toBeNull()
      expect((await ctx.backend.getPage(prefix + NASTY[1], prefix + NASTY[1]))?.pageId).toBe(
        prefix + NASTY[1],
      )
    })
  })
})
