import { CreateTableCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import {
  createStorageBackend,
  type Page,
  type PageChange,
  type StorageBackend,
  ValidationError,
} from '../../src/index.js'
import { tableDefinitions } from '../../src/layout-tools/index.js'
import { uniqueTablePrefix } from '../../src/testing/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { loopbackClient } from '../support/fault-client.js'
import { page, site, uid, version } from '../support/fixtures.js'

// API.md "Change feed for indexers" and the feed rows of "Details of 0.2", sentence by sentence.

/** Every change after `cursor`, following cursors until a call comes back empty. */
async function drain(backend: StorageBackend, siteId: string, cursor: string | null = null, limit?: number) {
  const changes: PageChange[] = []
  for (;;) {
    const result = await backend.listPageChanges(siteId, { cursor, ...(limit ? { limit } : {}) })
    expect(result.cursor).toEqual(expect.any(String))
    changes.push(...result.items)
    cursor = result.cursor
    if (result.items.length === 0) return { changes, cursor }
  }
}

const ids = (changes: PageChange[]) => changes.map((c) => c.page.pageId)

async function newSite(backend: StorageBackend) {
  const s = site()
  await backend.saveSite(s)
  return s.siteId
}

describe.each(MATRIX)('change feed — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout, { changeFeedDelaySeconds: 0 })

    it('from the beginning: every page written for the site, live and tombstoned, oldest first', async () => {
      const siteId = await newSite(ctx.backend)
      const a = await ctx.backend.savePage(page(siteId, 'https://example.com/a'))
      const b = await ctx.backend.savePage(page(siteId, 'https://example.com/b', { isTombstone: true }))
      const c = await ctx.backend.savePage(page(siteId, 'https://example.com/c'))
      const { changes } = await drain(ctx.backend, siteId)
      expect(ids(changes)).toEqual([a.pageId, b.pageId, c.pageId])
      expect(changes[1]!.page.isTombstone).toBe(true)
      for (const change of changes) expect(change.changedAt).toBeInstanceOf(Date)
      expect(changes.map((c) => c.changedAt.getTime())).toEqual(
        [...changes.map((c) => c.changedAt.getTime())].sort((x, y) => x - y),
      )
    })

    it('a save touching only lastCrawled, lastSeen or other bookkeeping is no change; caught up = empty items', async () => {
      const siteId = await newSite(ctx.backend)
      const saved = await ctx.backend.savePage(page(siteId, 'https://example.com/x', { contentHash: 'h1' }))
      const { cursor } = await drain(ctx.backend, siteId)
      await ctx.backend.savePage({ ...saved, lastCrawled: new Date(), lastSeen: new Date(), statusCode: 304 })
      // A fresh page object (revision 0: the library guesses "new") recrawled unchanged is no change either.
      await ctx.backend.savePage(page(siteId, 'https://example.com/x', { contentHash: 'h1', errorCount: 2 }))
      await ctx.backend.savePagesBulk([{ ...saved, lastSeen: new Date() }])
      const after = await ctx.backend.listPageChanges(siteId, { cursor })
      expect(after.items).toEqual([])
      expect(after.cursor).toEqual(expect.any(String))
    })

    it('changes: contentHash, isTombstone, currentVersionId (commitVersion), savePagesBulk; not a re-commit', async () => {
      const siteId = await newSite(ctx.backend)
      const saved = await ctx.backend.savePage(page(siteId, 'https://example.com/p', { contentHash: 'h1' }))
      let { cursor } = await drain(ctx.backend, siteId)
      const next = async () => {
        const result = await drain(ctx.backend, siteId, cursor)
        cursor = result.cursor
        return result.changes
      }
      const rehashed = await ctx.backend.savePage({ ...saved, contentHash: 'h2' })
      expect((await next()).map((c) => c.page.contentHash)).toEqual(['h2'])
      const tomb = await ctx.backend.savePage({ ...rehashed, isTombstone: true })
      expect((await next()).map((c) => c.page.isTombstone)).toEqual([true])
      const v = version(tomb)
      const { page: committed } = await ctx.backend.commitVersion({ ...tomb, isTombstone: false }, v)
      expect((await next()).map((c) => c.page.currentVersionId)).toEqual([v.versionId])
      await ctx.backend.commitVersion(committed, v)
      expect(await next()).toEqual([])
      await ctx.backend.savePagesBulk([
        { ...committed, contentHash: 'h3' },
        page(siteId, 'https://example.com/q'),
      ])
      expect((await next()).length).toBe(2)
    })

    it('a page changed twice appears once, in its latest state; within one call at most once', async () => {
      const siteId = await newSite(ctx.backend)
      const first = await ctx.backend.savePage(
        page(siteId, 'https://example.com/twice', { contentHash: 'a' }),
      )
      await ctx.backend.savePage({ ...first, contentHash: 'b' })
      await ctx.backend.savePage(page(siteId, 'https://example.com/other'))
      const { items } = await ctx.backend.listPageChanges(siteId)
      expect(items.filter((c) => c.page.pageId === first.pageId).map((c) => c.page.contentHash)).toEqual([
        'b',
      ])
      expect(new Set(ids(items)).size).toBe(items.length)
    })

    it('limit (default 100) pages through every change exactly once, each call one Query', async () => {
      const siteId = await newSite(ctx.backend)
      const pages = Array.from({ length: 105 }, (_, i) => page(siteId, `https://example.com/many/${i}`))
      await ctx.backend.savePagesBulk(pages)
      const first = await ctx.backend.listPageChanges(siteId)
      expect(first.items.length).toBe(100)
      const before = ctx.backend.metrics()
      const { changes } = await drain(ctx.backend, siteId, null, 7)
      const after = ctx.backend.metrics()
      expect(new Set(ids(changes))).toEqual(new Set(pages.map((p) => p.pageId)))
      expect(changes.length).toBe(105)
      const calls = Math.ceil(105 / 7) + 1
      expect(after.requests - before.requests).toBe(calls)
      expect((after.byOperation.Query?.requests ?? 0) - (before.byOperation.Query?.requests ?? 0)).toBe(calls)
    })

    it("another site's changes never appear", async () => {
      const one = await newSite(ctx.backend)
      const two = await newSite(ctx.backend)
      await ctx.backend.savePage(page(one, 'https://example.com/one'))
      await ctx.backend.savePage(page(two, 'https://example.com/two'))
      const { changes } = await drain(ctx.backend, one)
      expect(changes.map((c) => c.page.siteId)).toEqual([one])
    })

    it('a cursor of another site, another method, hand-made or empty is a ValidationError', async () => {
      const one = await newSite(ctx.backend)
      const two = await newSite(ctx.backend)
      await ctx.backend.savePagesBulk([
        page(one, 'https://example.com/1'),
        page(one, 'https://example.com/2'),
      ])
      const feedCursor = (await ctx.backend.listPageChanges(one, { limit: 1 })).cursor
      const listCursor = (await ctx.backend.listPages(one, { limit: 1 })).cursor
      const bad = [
        feedCursor === null ? 'x' : feedCursor,
        listCursor ?? 'x',
        'hand-made',
        Buffer.from(JSON.stringify({ v: 1, s: 'x', k: { after: '' } })).toString('base64url'),
        '',
      ]
      for (const [i, cursor] of bad.entries()) {
        const target = i === 0 ? two : one
        const error = await ctx.backend.listPageChanges(target, { cursor }).catch((e: unknown) => e)
        expect(error, `cursor ${i}`).toBeInstanceOf(ValidationError)
      }
    })

    it('cursors resume across backend instances (a new process)', async () => {
      const siteId = await newSite(ctx.backend)
      await ctx.backend.savePage(page(siteId, 'https://example.com/r1'))
      const { cursor } = await drain(ctx.backend, siteId)
      const other = createStorageBackend(ctx.config)
      try {
        const later = await other.savePage(page(siteId, 'https://example.com/r2'))
        const { changes } = await drain(other, siteId, cursor)
        expect(ids(changes)).toEqual([later.pageId])
      } finally {
        await other.close()
      }
    })

    it('healthReport names the feed index that a table created before 0.2 lacks', async () => {
      const config = { backend: { endpointUrl: ctx.endpoint, layout, tablePrefix: uniqueTablePrefix('old') } }
      const feedIndex = layout === 'single-table' ? 'gsi5' : 'site_id-change_marker-index'
      const client = loopbackClient(ctx.endpoint)
      const old = createStorageBackend(config)
      try {
        for (const definition of tableDefinitions(config)) {
          const indexes = definition.GlobalSecondaryIndexes?.filter((i) => i.IndexName !== feedIndex) ?? []
          const used = new Set(
            [...definition.KeySchema!, ...indexes.flatMap((i) => i.KeySchema!)].map((k) => k.AttributeName),
          )
          await client.send(
            new CreateTableCommand({
              ...definition,
              AttributeDefinitions: definition.AttributeDefinitions!.filter((a) => used.has(a.AttributeName)),
              ...(indexes.length > 0
                ? { GlobalSecondaryIndexes: indexes }
                : { GlobalSecondaryIndexes: undefined }),
            }),
          )
        }
        const report = await old.healthReport()
        const missing = report.tables.flatMap((t) => t.missingIndexes ?? [])
        expect(missing).toEqual([feedIndex])
        expect((await ctx.backend.healthReport()).tables.every((t) => t.missingIndexes === undefined)).toBe(
          true,
        )
      } finally {
        await old.close()
        client.destroy()
      }
    })

    it('followPageChanges yields each change with a cursor to resume from, waits, and stops on signal', async () => {
      const siteId = await newSite(ctx.backend)
      const a = await ctx.backend.savePage(page(siteId, 'https://example.com/f1'))
      const controller = new AbortController()
      const seen: { id: string; cursor: string }[] = []
      let added: Page | undefined
      for await (const { change, cursor } of ctx.backend.followPageChanges(siteId, {
        signal: controller.signal,
        pollMs: 10,
      })) {
        seen.push({ id: change.page.pageId, cursor })
        if (!added) added = await ctx.backend.savePage(page(siteId, 'https://example.com/f2'))
        else controller.abort()
      }
      expect(seen.map((s) => s.id)).toEqual([a.pageId, added!.pageId])
      const resumed = await drain(ctx.backend, siteId, seen[0]!.cursor)
      expect(ids(resumed.changes)).toEqual([added!.pageId])
    })
  })
})

describe.each(MATRIX)('change feed delay and writers — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout, { changeFeedDelaySeconds: 1 })

    it('a change is delivered once it is changeFeedDelaySeconds old, not skipped by the cursor before', async () => {
      const siteId = await newSite(ctx.backend)
      const { cursor } = await ctx.backend.listPageChanges(siteId)
      const saved = await ctx.backend.savePage(page(siteId, 'https://example.com/late'))
      const early = await ctx.backend.listPageChanges(siteId, { cursor })
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const { changes } = await drain(ctx.backend, siteId, early.cursor)
      expect([...ids(early.items), ...ids(changes)]).toContain(saved.pageId)
    })

    it('4 writers and a following reader: after the writers stop and the delay passes, the reader has every final state', async () => {
      const siteId = await newSite(ctx.backend)
      const writers = Array.from({ length: 4 }, () => createStorageBackend(ctx.config))
      const urls = Array.from({ length: 12 }, (_, i) => `https://example.com/w/${i}`)
      const latest = new Map<string, Page>()
      const controller = new AbortController()
      const reader = (async () => {
        for await (const { change } of ctx.backend.followPageChanges(siteId, {
          signal: controller.signal,
          pollMs: 20,
        })) {
          latest.set(change.page.pageId, change.page)
        }
      })()
      try {
        await Promise.all(
          writers.map(async (writer, w) => {
            for (let round = 0; round < 5; round++) {
              for (const [i, url] of urls.entries()) {
                if (i % 4 !== (w + round) % 4) continue
                await writer.savePage(
                  page(siteId, url, {
                    contentHash: `w${w}-r${round}`,
                    isTombstone: round === 4 && i % 3 === 0,
                  }),
                )
              }
            }
          }),
        )
        const finals = (await ctx.backend.listPages(siteId, { includeTombstones: true, limit: 100 })).items
        expect(finals.length).toBe(urls.length)
        for (let tries = 0; tries < 100; tries++) {
          const done = finals.every((f) => latest.get(f.pageId)?.contentHash === f.contentHash)
          if (done) break
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
        for (const final of finals) {
          expect(latest.get(final.pageId)).toMatchObject({
            contentHash: final.contentHash,
            isTombstone: final.isTombstone,
          })
        }
      } finally {
        controller.abort()
        await reader
        await Promise.all(writers.map((w) => w.close()))
      }
    })

    it('uses a unique site for ids', () => {
      expect(uid('x')).not.toBe(uid('x'))
    })
  })
})
