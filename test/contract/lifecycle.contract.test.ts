import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { createStorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { frontierItem, page, run, site, version } from '../support/fixtures.js'

describe.each(MATRIX)('lifecycle and deleteSite — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('initialize is idempotent and safe to run concurrently', async () => {
      const again = createStorageBackend(ctx.config)
      await Promise.all([again.initialize(), again.initialize(), ctx.backend.initialize()])
      expect(await again.healthCheck()).toBe(true)
      await again.close()
      await again.close()
    })

    it('uses a duck-typed client as given (anything with send)', async () => {
      const real = new DynamoDBClient({
        endpoint: ctx.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
      })
      const sent: string[] = []
      const client = {
        send: (command: { constructor: { name: string } }, options?: unknown) => {
          sent.push(command.constructor.name)
          return real.send(command as never, options as never)
        },
      }
      const backend = createStorageBackend({ backend: { ...ctx.config.backend, client } })
      const s = await backend.saveSite(site())
      expect((await backend.getSite(s.siteId))?.siteId).toBe(s.siteId)
      expect(sent.length).toBeGreaterThanOrEqual(2)
      await backend.close()
      real.destroy()
    })

    it('reports health with tables and engine capabilities', async () => {
      const report = await ctx.backend.healthReport()
      expect(report.ok).toBe(true)
      expect(report.tables.every((t) => t.exists)).toBe(true)
      expect(report.capabilities).toEqual(
        engine === 'dynalite'
          ? { transactions: false, timeToLive: false, partiql: false }
          : { transactions: true, timeToLive: true, partiql: true },
      )
    })

    it('health check is false when the tables are missing', async () => {
      const other = createStorageBackend({
        backend: { ...ctx.config.backend, tablePrefix: 'never_created_' },
      })
      expect(await other.healthCheck()).toBe(false)
      const report = await other.healthReport()
      expect(report.tables.some((t) => !t.exists)).toBe(true)
      await other.close()
    })

    it('deletes a site and everything under it, and nothing of another site', async () => {
      const keep = await ctx.backend.saveSite(site())
      const s = await ctx.backend.saveSite(site())
      const runs = [await ctx.backend.saveRun(run(s.siteId)), await ctx.backend.saveRun(run(s.siteId))]
      const pages = []
      for (const target of [s.siteId, keep.siteId]) {
        for (let i = 0; i < 3; i++)
          pages.push(await ctx.backend.savePage(page(target, `https://example.com/${i}`)))
      }
      const ours = pages.filter((p) => p.siteId === s.siteId)
      await ctx.backend.saveVersion(version(ours[0]!))
      await ctx.backend.saveVersion(version(ours[0]!, { markdown: 'x'.repeat(3_000_000) }))
      await ctx.backend.saveVersion(version(pages.find((p) => p.siteId === keep.siteId)!))
      await ctx.backend.enqueueFrontierItems([
        frontierItem(runs[0]!.runId, s.siteId, 'https://e/1'),
        frontierItem(runs[1]!.runId, s.siteId, 'https://e/2'),
      ])
      const result = await ctx.backend.deleteSite(s.siteId)
      expect(result).toEqual({ deleted: true, items: 1 + 2 + 3 + 2 + 2 })
      expect(await ctx.backend.getSite(s.siteId)).toBeNull()
      expect(await ctx.backend.getRun(runs[0]!.runId)).toBeNull()
      expect((await ctx.backend.listPages(s.siteId, { includeTombstones: true })).items).toHaveLength(0)
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(0)
      expect((await ctx.backend.listVersions(ours[0]!.pageId)).items).toHaveLength(0)
      expect((await ctx.backend.getFrontierItems(runs[0]!.runId)).items).toHaveLength(0)
      expect(await ctx.backend.getSite(keep.siteId)).not.toBeNull()
      expect(await ctx.backend.countPages(keep.siteId)).toBe(3)
      expect(await ctx.backend.deleteSite(s.siteId)).toEqual({ deleted: false, items: 0 })
    })
  })
})

describe('unreachable endpoint', () => {
  it('healthCheck and healthReport answer false within a few seconds, without throwing', async () => {
    const backend = createStorageBackend({ backend: { endpointUrl: 'http://127.0.0.1:9' } })
    const started = Date.now()
    expect(await backend.healthCheck()).toBe(false)
    const report = await backend.healthReport()
    expect(report.ok).toBe(false)
    expect(Date.now() - started).toBeLessThan(15_000)
    await backend.close()
  })
})
