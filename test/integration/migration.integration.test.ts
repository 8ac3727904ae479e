import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCrawl } from '../../src/demo/seed.js'
import {
  createStorageBackend,
  type FrontierItem,
  migrateLayout,
  type StorageBackend,
  type StorageConfigInput,
  verifyLayouts,
} from '../../src/index.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { collectAll, page, site, version } from '../support/fixtures.js'

let engine: EmbeddedEngine
beforeAll(async () => {
  engine = await startLocalEngine()
})
afterAll(() => engine.stop())

const config = (
  layout: 'single-table' | 'multi-table',
  prefix = uniqueTablePrefix(layout.slice(0, 1)),
): StorageConfigInput => ({
  backend: { endpointUrl: engine.endpoint, layout, tablePrefix: prefix },
})

/** Everything a backend holds for the seeded data, read through the public API. */
async function snapshot(backend: StorageBackend, siteIds: string[], runIds: string[]) {
  const out: Record<string, unknown> = {}
  for (const siteId of siteIds) {
    out[`site:${siteId}`] = await backend.getSite(siteId)
    out[`runs:${siteId}`] = (await collectAll((cursor) => backend.listRuns(siteId, { cursor }))).items
    const pages = (
      await collectAll((cursor) => backend.listPages(siteId, { cursor, includeTombstones: true }))
    ).items
    out[`pages:${siteId}`] = [...pages].sort((a, b) => (a.pageId < b.pageId ? -1 : 1))
    out[`count:${siteId}`] = [
      await backend.countPages(siteId),
      await backend.countPages(siteId, { includeTombstones: true }),
    ]
    for (const p of pages)
      out[`versions:${p.pageId}`] = (
        await collectAll((cursor) => backend.listVersions(p.pageId, { cursor }))
      ).items
  }
  for (const runId of runIds) {
    const items: FrontierItem[] = (await collectAll((cursor) => backend.getFrontierItems(runId, { cursor })))
      .items
    out[`frontier:${runId}`] = items
  }
  return out
}

describe('migration between layouts', () => {
  it('round-trips multi → single → multi with deep-equal logical data', async () => {
    const multi = config('multi-table')
    const source = createStorageBackend(multi)
    await source.initialize()
    const fixture = await seedCrawl(source, { sites: 2, pages: 120, frontierUrls: 40, workers: 2 })
    const big = await source.saveVersion(
      version(
        { pageId: fixture.pageId, siteId: fixture.siteId, url: fixture.url },
        { markdown: 'x'.repeat(2_000_000) + Math.random() },
      ),
    )
    const extra = await source.saveSite(site({ siteId: 'a#b OR 1=1' }))
    await source.savePage(page(extra.siteId, `https://e/${'long'.repeat(700)}`, { revision: 0 }))
    const siteIds = ['site-0', 'site-1', extra.siteId]
    const runIds = [fixture.runId]
    const before = await snapshot(source, siteIds, runIds)

    const single = config('single-table')
    const first = await migrateLayout({ source: multi, target: single, segments: 3 })
    expect(first.error ?? null).toBeNull()
    expect(first.ok).toBe(true)
    expect(first.invalid).toEqual([])
    expect(first.tables.pages.written).toBe(first.tables.pages.read)
    expect((await verifyLayouts({ source: multi, target: single })).ok).toBe(true)

    const back = config('multi-table')
    const second = await migrateLayout({ source: single, target: back, segments: 2 })
    expect(second.ok).toBe(true)
    const verify = await verifyLayouts({ source: single, target: back })
    expect(verify.differences).toEqual([])
    expect(verify.ok).toBe(true)

    const restored = createStorageBackend(back)
    expect(await snapshot(restored, siteIds, runIds)).toEqual(before)
    expect((await restored.getVersion(fixture.pageId, big.versionId))?.markdown).toBe(big.markdown)
    await Promise.all([source.close(), restored.close()])
  })

  it('dry run reads and validates, writes nothing; invalid items are counted and listed', async () => {
    const single = config('single-table')
    const source = createStorageBackend(single)
    await source.initialize()
    await seedCrawl(source, { sites: 1, pages: 30, frontierUrls: 5, workers: 1 })
    const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb')
    const raw = new DynamoDBClient({
      endpoint: engine.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    })
    await raw.send(
      new PutItemCommand({
        TableName: `${single.backend?.tablePrefix}data`,
        Item: {
          pk: { S: 'broken' },
          sk: { S: 'x' },
          __edb_e__: { S: 'webpage' },
          __edb_v__: { S: '1' },
          pageId: { S: 'p' },
          depth: { N: '-3' },
        },
      }),
    )
    raw.destroy()
    const target = config('multi-table')
    const dry = await migrateLayout({ source: single, target, dryRun: true })
    expect(dry.ok).toBe(true)
    expect(dry.tables.pages.read).toBe(31)
    expect(dry.tables.pages.written).toBe(0)
    expect(dry.tables.pages.failed).toBe(1)
    expect(dry.invalid).toHaveLength(1)
    expect(dry.invalid[0]?.key).toEqual({ pk: 'broken', sk: 'x' })
    const verify = await verifyLayouts({ source: single, target })
    expect(verify.ok).toBe(false)
    const real = await migrateLayout({ source: single, target })
    expect(real.ok).toBe(true)
    expect(real.tables.pages.failed).toBe(1)
    expect(real.tables.pages.written).toBe(30)
    await source.close()
  })

  it('reports an unreachable source promptly and never throws', async () => {
    const started = Date.now()
    const report = await migrateLayout({
      source: { backend: { endpointUrl: 'http://127.0.0.1:9', layout: 'multi-table', maxAttempts: 1 } },
      target: config('single-table'),
    })
    expect(report.ok).toBe(false)
    expect(report.error).toMatch(/source/)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
