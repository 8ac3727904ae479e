import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, run, site, uid } from '../support/fixtures.js'

describe.each(MATRIX)('sites and runs — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('saves, gets and replaces a site, keeping every field', async () => {
      const input = site({
        allowedDomains: ['example.com'],
        config: { depth: 3, nested: { list: [1, 'a'] } },
        lastCrawlAt: new Date('2026-02-03T04:05:06.789Z'),
        totalPages: 3,
      })
      const saved = await ctx.backend.saveSite(input)
      expect(saved.createdAt).toBeInstanceOf(Date)
      const got = await ctx.backend.getSite(input.siteId)
      expect(got).toEqual(saved)
      const replaced = await ctx.backend.saveSite({ ...saved, name: 'Renamed', lastCrawlAt: null })
      expect(await ctx.backend.getSite(input.siteId)).toEqual(replaced)
      expect((await ctx.backend.getSite(input.siteId))?.lastCrawlAt).toBeNull()
    })

    it('returns null for an unknown site and rejects an empty id', async () => {
      expect(await ctx.backend.getSite(uid('missing'))).toBeNull()
      await expect(ctx.backend.getSite('')).rejects.toBeInstanceOf(ValidationError)
    })

    it('drops credential keys from Site.config and CrawlRun.configSnapshot at any depth', async () => {
      const s = await ctx.backend.saveSite(
        site({
          config: {
            storage: { backend: { awsAccessKeyId: 'AKIA', aws_secret_access_key: 'x', region: 'eu' } },
            list: [{ awsSessionToken: 't', keep: 1 }],
          },
        }),
      )
      const stored = await ctx.backend.getSite(s.siteId)
      expect(stored?.config).toEqual({ storage: { backend: { region: 'eu' } }, list: [{ keep: 1 }] })
      const r = await ctx.backend.saveRun(
        run(s.siteId, { configSnapshot: { aws_access_key_id: 'a', awsSecretAccessKey: 'b', ok: true } }),
      )
      expect((await ctx.backend.getRun(r.runId))?.configSnapshot).toEqual({ ok: true })
    })

    it('lists sites newest first with cursors that never skip or repeat', async () => {
      const ids: string[] = []
      for (let i = 0; i < 7; i++) {
        const s = await ctx.backend.saveSite(site({ createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)) }))
        ids.push(s.siteId)
      }
      const all = await collectAll((cursor) => ctx.backend.listSites({ limit: 3, cursor }))
      const ours = all.items.filter((s) => ids.includes(s.siteId)).map((s) => s.siteId)
      expect(ours).toEqual([...ids].reverse())
      expect(new Set(all.items.map((s) => s.siteId)).size).toBe(all.items.length)
      expect(all.emptyPagesWithCursor).toBe(0)
      const times = all.items.map((s) => s.createdAt.getTime())
      expect([...times].sort((a, b) => b - a)).toEqual(times)
    })

    it('gets a run by id alone, lists runs newest first and finds the latest', async () => {
      const s = await ctx.backend.saveSite(site())
      const runs = []
      for (let i = 0; i < 5; i++) {
        runs.push(await ctx.backend.saveRun(run(s.siteId, { createdAt: new Date(Date.UTC(2026, 0, 1, i)) })))
      }
      const r = runs[2]!
      expect(await ctx.backend.getRun(r.runId)).toEqual(r)
      const listed = await collectAll((cursor) => ctx.backend.listRuns(s.siteId, { limit: 2, cursor }))
      expect(listed.items.map((x) => x.runId)).toEqual(runs.map((x) => x.runId).reverse())
      expect((await ctx.backend.getLatestRun(s.siteId))?.runId).toBe(runs[4]!.runId)
      expect(await ctx.backend.getLatestRun(uid('nosite'))).toBeNull()
      const withRuns = await ctx.backend.getSiteWithRuns(s.siteId, { limit: 3 })
      expect(withRuns.site?.siteId).toBe(s.siteId)
      expect(withRuns.runs.map((x) => x.runId)).toEqual(
        runs
          .slice(2)
          .map((x) => x.runId)
          .reverse(),
      )
    })

    it('keeps run stats, with domainsCrawled distinct and status codes as keys', async () => {
      const s = await ctx.backend.saveSite(site())
      const r = await ctx.backend.saveRun(
        run(s.siteId, {
          stats: {
            pagesCrawled: 5,
            domainsCrawled: new Set(['a.com', 'b.com']),
            statusCodes: { '200': 4, '404': 1 },
          },
        }),
      )
      const got = await ctx.backend.getRun(r.runId)
      expect(got?.stats.pagesCrawled).toBe(5)
      expect(got?.stats.domainsCrawled.sort()).toEqual(['a.com', 'b.com'])
      expect(got?.stats.statusCodes).toEqual({ '200': 4, '404': 1 })
    })

    it('moving a run to a new createdAt keeps one run', async () => {
      const s = await ctx.backend.saveSite(site())
      const r = await ctx.backend.saveRun(run(s.siteId, { createdAt: new Date('2026-01-01T00:00:00Z') }))
      await ctx.backend.saveRun({ ...r, createdAt: new Date('2026-06-01T00:00:00Z'), status: 'completed' })
      const listed = await ctx.backend.listRuns(s.siteId)
      expect(listed.items).toHaveLength(1)
      expect(listed.items[0]?.status).toBe('completed')
    })
  })
})
