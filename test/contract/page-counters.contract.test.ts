import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { pageCountEntity } from '../../src/entities/page.js'
import { createStorageBackend, migrateLayout, type StorageBackend, verifyLayouts } from '../../src/index.js'
import { keyPart } from '../../src/keys/key-part.js'
import { uniqueTablePrefix } from '../../src/testing/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { loopbackClient } from '../support/fault-client.js'
import { page, site } from '../support/fixtures.js'

/** Stored names of the counters' writer map: marks a counter UpdateItem. */
const COUNTER_MARKS = ['countWriters', 'page_count_writers']

describe.each(MATRIX)('page counters — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    /** `n` backends (writers) on the same tables, each recording the counter items it updates. */
    function writers(n: number) {
      const updated = new Set<string>()
      const backends = Array.from({ length: n }, () => {
        const real = loopbackClient(ctx.endpoint)
        const client = {
          send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
            const names = Object.values(
              (command.input.ExpressionAttributeNames ?? {}) as Record<string, string>,
            )
            if (names.some((name) => COUNTER_MARKS.includes(name)))
              updated.add(JSON.stringify(command.input.Key))
            return real.send(command as never)
          },
        }
        return createStorageBackend({ backend: { ...ctx.config.backend, client } })
      })
      return { backends, updated }
    }

    const closeAll = (backends: StorageBackend[]) => Promise.all(backends.map((b) => b.close()))

    it('16 writers of one site count every page exactly; single-table spreads them over counter items', async () => {
      const s = await ctx.backend.saveSite(site())
      const { backends, updated } = writers(16)
      await Promise.all(
        backends.map(async (backend, w) => {
          for (let i = 0; i < 3; i++) {
            const saved = await backend.savePage(page(s.siteId, `https://example.com/w${w}/${i}`))
            if (i === 2) await backend.savePage({ ...saved, isTombstone: true })
          }
        }),
      )
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(48)
      expect(await ctx.backend.countPages(s.siteId)).toBe(32)
      // Single-table: each writer updates the counter item its id hashes to (16 shards); 16 random
      // writers land on 4 or fewer with a probability near 1e-9. Multi-table: the site item.
      if (layout === 'single-table') expect(updated.size).toBeGreaterThanOrEqual(4)
      else expect(updated.size).toBe(1)
      await closeAll(backends)
    })

    it('deleteSite removes every counter item: a site saved again under the same id counts from 0', async () => {
      const s = await ctx.backend.saveSite(site())
      const { backends } = writers(8)
      await Promise.all(backends.map((b, w) => b.savePage(page(s.siteId, `https://example.com/d${w}`))))
      expect(await ctx.backend.countPages(s.siteId)).toBe(8)
      expect((await ctx.backend.deleteSite(s.siteId)).deleted).toBe(true)
      await ctx.backend.saveSite(site({ siteId: s.siteId }))
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(0)
      await backends[0]!.savePage(page(s.siteId, 'https://example.com/again'))
      expect(await ctx.backend.countPages(s.siteId)).toBe(1)
      await closeAll(backends)
    })

    it.runIf(layout === 'single-table')(
      'a counter item of 0.1 (the one beside the site, no shard) is part of the count',
      async () => {
        const s = await ctx.backend.saveSite(site())
        const table = `${ctx.config.backend?.tablePrefix}data`
        const raw = loopbackClient(ctx.endpoint)
        const legacy = pageCountEntity({ table, client: raw })
          .put({ siteKey: keyPart(s.siteId), total: 5, live: 4 })
          .params()
        await DynamoDBDocumentClient.from(raw).send(new PutCommand({ TableName: table, Item: legacy.Item }))
        expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(5)
        const { backends } = writers(4)
        await Promise.all(backends.map((b, w) => b.savePage(page(s.siteId, `https://example.com/l${w}`))))
        expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(9)
        expect(await ctx.backend.countPages(s.siteId)).toBe(8)
        await closeAll(backends)
      },
    )

    it('counts spread over counter items migrate to the other layout and back unchanged', async () => {
      const s = await ctx.backend.saveSite(site())
      const { backends } = writers(8)
      await Promise.all(
        backends.map(async (b, w) => {
          await b.savePage(page(s.siteId, `https://example.com/m${w}`))
          await b.savePage(page(s.siteId, `https://example.com/m${w}/gone`, { isTombstone: true }))
        }),
      )
      const other = {
        backend: {
          ...ctx.config.backend,
          layout: layout === 'single-table' ? ('multi-table' as const) : ('single-table' as const),
          tablePrefix: uniqueTablePrefix(),
        },
      }
      const back = { backend: { ...ctx.config.backend, tablePrefix: uniqueTablePrefix() } }
      expect((await migrateLayout({ source: ctx.config, target: other })).ok).toBe(true)
      expect((await verifyLayouts({ source: ctx.config, target: other })).ok).toBe(true)
      expect((await migrateLayout({ source: other, target: back })).ok).toBe(true)
      for (const config of [other, back]) {
        const reader = createStorageBackend(config)
        expect(await reader.countPages(s.siteId, { includeTombstones: true })).toBe(16)
        expect(await reader.countPages(s.siteId)).toBe(8)
        await reader.close()
      }
      await closeAll(backends)
    }, 120_000)
  })
})
