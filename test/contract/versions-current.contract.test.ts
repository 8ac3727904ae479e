import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConflictError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { page, site, version } from '../support/fixtures.js'

// API.md "Clarified": getCurrentVersion is the version the page's currentVersionId names, null when
// it names none; a version saved by saveVersion alone, or by a refused commitVersion, never becomes
// current (even when it is the newest).
describe.each(MATRIX)('current version — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('a version saved by saveVersion alone never becomes current', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/alone'))
      await ctx.backend.saveVersion(version(p, { markdown: 'saved alone' }))
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toBeNull()

      const committed = await ctx.backend.commitVersion(p, version(p, { markdown: 'committed' }))
      await ctx.backend.saveVersion(version(p, { markdown: 'newer, saved alone' }))
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toEqual(committed.version)
    })

    it('a commitVersion refused by a stale expectedRevision leaves the page current version', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/stale'))
      const first = await ctx.backend.commitVersion(p, version(p, { markdown: 'first' }))
      const refused = await ctx.backend
        .commitVersion(first.page, version(p, { markdown: 'refused' }), {
          expectedRevision: first.page.revision - 1,
        })
        .catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ConflictError)
      expect((await ctx.backend.getCurrentVersion(p.pageId))?.markdown).toBe('first')
      // The refused version is stored (listed) but is not the page's.
      const { page: stored, versions } = await ctx.backend.getPageWithVersions(s.siteId, p.pageId)
      expect(stored?.currentVersionId).toBe(first.version.versionId)
      expect(versions.map((v) => v.markdown)).toEqual(['refused', 'first'])
    })

    it('follows the page to an older version, and is null when the named version does not exist', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/older'))
      const big = randomBytes(450_000).toString('base64')
      const old = await ctx.backend.commitVersion(p, version(p, { markdown: big }))
      await ctx.backend.commitVersion(old.page, version(p, { markdown: 'newer' }))
      await ctx.backend.savePage({ ...old.page, currentVersionId: old.version.versionId })
      expect((await ctx.backend.getCurrentVersion(p.pageId))?.markdown === big).toBe(true)
      await ctx.backend.savePage({ ...old.page, currentVersionId: 'no-such-version' })
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toBeNull()
    })

    it('is null for a page that names no version and for versions without a page', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = page(s.siteId, 'https://example.com/orphan')
      await ctx.backend.saveVersion(version(p))
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toBeNull()
      await ctx.backend.savePage(p)
      expect(await ctx.backend.getCurrentVersion(p.pageId)).toBeNull()
    })
  })
})
