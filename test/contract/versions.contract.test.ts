import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newVersionId, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, page, site, version } from '../support/fixtures.js'

describe.each(MATRIX)('versions — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('saves and gets a version; lists newest first; current is the one the page names', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/v'))
      const saved = []
      for (let i = 0; i < 5; i++) {
        saved.push(
          await ctx.backend.saveVersion(
            version(p, {
              markdown: `v${i}`,
              headingsOutline: [{ level: 1, text: 'T', anchor: 't' }],
              outlinks: ['https://x/'],
              extra: { n: i },
            }),
          ),
        )
      }
      expect(await ctx.backend.getVersion(p.pageId, saved[1]!.versionId)).toEqual(saved[1])
      expect(await ctx.backend.getVersion(p.pageId, 'nope')).toBeNull()
      const listed = await collectAll((cursor) => ctx.backend.listVersions(p.pageId, { limit: 2, cursor }))
      expect(listed.items.map((v) => v.markdown)).toEqual(['v4', 'v3', 'v2', 'v1', 'v0'])
      expect(listed.emptyPagesWithCursor).toBe(0)
      // Saved, never committed: no version is current until the page names one (API.md "Clarified").
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toBeNull()
      await ctx.backend.savePage({ ...p, currentVersionId: saved[3]!.versionId })
      expect((await ctx.backend.getCurrentVersion(p.pageId))?.versionId).toBe(saved[3]!.versionId)
      expect(await ctx.backend.getCurrentVersion('no-page')).toBeNull()
      const withVersions = await ctx.backend.getPageWithVersions(s.siteId, p.pageId, { limit: 2 })
      expect(withVersions.page?.pageId).toBe(p.pageId)
      expect(withVersions.versions.map((v) => v.markdown)).toEqual(['v4', 'v3'])
    })

    it('round-trips a 5 MB version (compressed and split past the 400 KB item limit)', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/big'))
      const markdown = randomBytes(3_750_000).toString('base64').slice(0, 5_000_000)
      const html = `<p>${'lorem ipsum '.repeat(50_000)}</p>`
      const v = await ctx.backend.saveVersion(version(p, { markdown, html, plainText: 'plain' }))
      const got = await ctx.backend.getVersion(p.pageId, v.versionId)
      expect(got?.markdown.length).toBe(5_000_000)
      expect(got?.markdown === markdown).toBe(true)
      expect(got?.html === html).toBe(true)
      expect(got).toEqual(v)
      await ctx.backend.savePage({ ...p, currentVersionId: v.versionId })
      expect((await ctx.backend.getCurrentVersion(p.pageId))?.versionId).toBe(v.versionId)
      const medium = 'compressible '.repeat(40_000)
      const m = await ctx.backend.saveVersion(version(p, { markdown: medium }))
      expect((await ctx.backend.getVersion(p.pageId, m.versionId))?.markdown).toBe(medium)
    })

    it('commits a version and points the page at it, idempotently', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/c'))
      const v = version(p, { versionId: newVersionId(), markdown: 'committed' })
      const first = await ctx.backend.commitVersion({ ...p, versionCount: 1 }, v)
      expect(first.page.currentVersionId).toBe(v.versionId)
      const again = await ctx.backend.commitVersion({ ...p, versionCount: 1 }, v)
      expect(again.page.currentVersionId).toBe(v.versionId)
      const stored = await ctx.backend.getPage(s.siteId, p.pageId)
      expect(stored?.currentVersionId).toBe(v.versionId)
      expect((await ctx.backend.getVersion(p.pageId, stored!.currentVersionId!))?.markdown).toBe('committed')
      const listed = await ctx.backend.listVersions(p.pageId)
      expect(listed.items).toHaveLength(1)
      const mismatch = await ctx.backend.commitVersion(p, { ...v, pageId: 'other' }).catch((e: unknown) => e)
      expect(mismatch).toBeInstanceOf(ValidationError)
    })

    it('bulk-saves versions', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/bulkv'))
      const versions = Array.from({ length: 40 }, (_, i) => version(p, { markdown: `b${i}` }))
      expect(await ctx.backend.saveVersionsBulk(versions)).toBe(40)
      const all = await collectAll((cursor) => ctx.backend.listVersions(p.pageId, { limit: 15, cursor }))
      expect(all.items).toHaveLength(40)
      const bad = await ctx.backend
        .saveVersionsBulk([{ ...versions[0]!, statusCode: 'x' as never }])
        .catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(ValidationError)
      expect((bad as ValidationError).paths).toContain('versions.0.statusCode')
    })
  })
})
