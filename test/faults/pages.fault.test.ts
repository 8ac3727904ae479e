import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { operationName } from '../../src/engine/transport.js'
import { createStorageBackend, type PageInput, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { loopbackClient, useFaultyBackend } from '../support/fault-client.js'
import { page, site, version } from '../support/fixtures.js'

/** Stored names of the counters' writer map (single table, multi-table): marks a counter UpdateItem. */
const COUNTER_MARKS = ['countWriters', 'page_count_writers']
/** Stored names of a page save's write token: marks a page UpdateItem. */
const PAGE_MARKS = ['writeToken', 'write_token']

const names = (input: Record<string, unknown>) =>
  Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>)
const isCounterUpdate = (input: Record<string, unknown>) =>
  names(input).some((n) => COUNTER_MARKS.includes(n))
const isPageUpdate = (input: Record<string, unknown>) => names(input).some((n) => PAGE_MARKS.includes(n))

/** About 410 KB: alone past DynamoDB's 400 KB item limit. */
const OVERSIZED = 'x'.repeat(410 * 1024)

describe.each(MATRIX)('pages under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)

    async function newSite() {
      const s = site()
      await env.clean.saveSite(s)
      // A writer's first count of a site creates the writers map on its counter item; later pages
      // take the nested update, the common path. (Saved by the backend under test, no fault yet:
      // each writer has a counter item of its own among the site's shards.)
      await env.backend.savePage(page(s.siteId, 'https://example.com/first'))
      return s
    }

    it('4: a save whose counter update was throttled, saved again, is counted once', async () => {
      const s = await newSite()
      const p = page(s.siteId, 'https://example.com/throttled-counter')
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle', match: isCounterUpdate, times: 1 })
      await expect(env.backend.savePage(p)).rejects.toMatchObject({ code: 'CAPACITY' })
      env.faults.clear()
      expect((await env.clean.getPage(s.siteId, p.pageId))?.revision).toBe(1) // the page write landed
      expect((await env.backend.savePage(p)).revision).toBe(2)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
      expect(await env.clean.countPages(s.siteId, { includeTombstones: true })).toBe(2)
    })

    it('4: a tombstoning whose counter update failed, saved again, leaves the live count right', async () => {
      const s = await newSite()
      const p = await env.backend.savePage(page(s.siteId, 'https://example.com/to-tombstone'))
      env.faults.inject({ operation: 'UpdateItem', fault: 'server-error', match: isCounterUpdate, times: 1 })
      await expect(env.backend.savePage({ ...p, isTombstone: true })).rejects.toThrow()
      env.faults.clear()
      await env.backend.savePage({ ...p, isTombstone: true })
      expect(await env.clean.countPages(s.siteId)).toBe(1)
      expect(await env.clean.countPages(s.siteId, { includeTombstones: true })).toBe(2)
    })

    it('4: a counter update whose answer was lost is not counted twice by the retried save', async () => {
      const s = await newSite()
      const p = page(s.siteId, 'https://example.com/lost-counter')
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isCounterUpdate, times: 1 })
      await expect(env.backend.savePage(p)).rejects.toThrow()
      env.faults.clear()
      await env.backend.savePage(p)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
    })

    it("4: a counter item's first update (creating the writers map) whose answer was lost counts once", async () => {
      const s = site()
      await env.clean.saveSite(s)
      const p = page(s.siteId, 'https://example.com/lost-counter-create')
      // The first counter update is the nested SET (refused: no map yet), the second creates the map.
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isCounterUpdate, nth: 2 })
      await expect(env.backend.savePage(p)).rejects.toThrow()
      env.faults.clear()
      await env.backend.savePage(p)
      expect(await env.clean.countPages(s.siteId)).toBe(1)
    })

    it('4: savePagesBulk whose counter update was throttled, saved again, counts every page once', async () => {
      const s = await newSite()
      const pages = Array.from({ length: 4 }, (_, i) => page(s.siteId, `https://example.com/bulk-c/${i}`))
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle', match: isCounterUpdate, times: 1 })
      await expect(env.backend.savePagesBulk(pages)).rejects.toMatchObject({ code: 'CAPACITY' })
      env.faults.clear()
      expect(await env.backend.savePagesBulk(pages)).toBe(4)
      expect(await env.clean.countPages(s.siteId)).toBe(5)
    })

    it('4: a new page whose save answer was lost past retries, saved again, is counted once', async () => {
      const s = await newSite()
      const p = page(s.siteId, 'https://example.com/lost-page-answer')
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isPageUpdate, times: 1 })
      await expect(env.backend.savePage(p)).rejects.toThrow(/answer was lost/)
      env.faults.clear()
      expect((await env.backend.savePage(p)).revision).toBe(2)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
      await env.backend.savePage({ ...p, depth: 3 })
      expect(await env.clean.countPages(s.siteId, { includeTombstones: true })).toBe(2)
    })

    it('5: a save resent after a later save is not applied again', async () => {
      const s = await newSite()
      const a = page(s.siteId, 'https://example.com/resent', { depth: 1 })
      const from = env.faults.sent.length
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isPageUpdate, times: 1 })
      await expect(env.backend.savePage(a)).rejects.toThrow(/answer was lost/)
      env.faults.clear()
      const index = env.faults.sent.findIndex((e, i) => i >= from && e.fault === 'lost-answer')
      const b = await env.backend.savePage({ ...a, depth: 2 })
      expect(b.revision).toBe(2)
      await expect(env.faults.resend(index)).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      })
      const stored = await env.clean.getPage(s.siteId, a.pageId)
      expect(stored?.revision).toBe(2)
      expect(stored?.depth).toBe(2)
    })

    it('5: a save the SDK delivers again after a later save answers as its first delivery, counted once', async () => {
      const s = await newSite()
      const a = page(s.siteId, 'https://example.com/late-replay', { depth: 1 })
      let delayed = false
      // The first delivery of A's page write lands, its answer is lost; B is saved meanwhile; then
      // the SDK's retry of A arrives and its answer is what the caller gets.
      const client = {
        async send(command: unknown, options?: unknown) {
          const input = (command as { input: Record<string, unknown> }).input
          if (!delayed && operationName(command) === 'UpdateItem' && isPageUpdate(input)) {
            delayed = true
            await env.faults.send(command as never, options as never)
            await env.clean.savePage({ ...a, depth: 2 })
          }
          return env.faults.send(command as never, options as never)
        },
      }
      const tablePrefix = (env.config.backend as { tablePrefix: string }).tablePrefix
      const late = createStorageBackend({ backend: { layout, tablePrefix, client } })
      try {
        const answered = await late.savePage(a)
        expect(answered.revision).toBe(1)
        expect(answered.depth).toBe(1)
      } finally {
        await late.close()
      }
      const stored = await env.clean.getPage(s.siteId, a.pageId)
      expect(stored?.revision).toBe(2)
      expect(stored?.depth).toBe(2)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
    })

    it.runIf(layout === 'multi-table')(
      '5: a page item written by another tool (no bookkeeping attributes) is saved and guarded as usual',
      async () => {
        const s = await newSite()
        const p = page(s.siteId, 'https://example.com/other-tool')
        const raw = loopbackClient(env.endpoint)
        const tablePrefix = (env.config.backend as { tablePrefix: string }).tablePrefix
        await raw.send(
          new PutItemCommand({
            TableName: `${tablePrefix}pages`,
            Item: {
              site_id: { S: s.siteId },
              page_id: { S: p.pageId },
              url: { S: p.url },
              first_seen: { S: '2026-01-01T00:00:00+00:00' },
              last_seen: { S: '2026-01-01T00:00:00+00:00' },
              depth: { N: '0' },
            },
          }),
        )
        raw.destroy()
        const from = env.faults.sent.length
        expect((await env.backend.savePage({ ...p, depth: 1 })).revision).toBe(1)
        const first = env.faults.sent.findIndex((e, i) => i >= from && e.operation === 'UpdateItem')
        expect((await env.backend.savePage({ ...p, depth: 2 })).revision).toBe(2)
        await expect(env.faults.resend(first)).rejects.toMatchObject({
          name: 'ConditionalCheckFailedException',
        })
        expect((await env.clean.getPage(s.siteId, p.pageId))?.depth).toBe(2)
      },
    )

    it('6: commitVersion retried with its expectedRevision after the counter update failed completes', async () => {
      const s = await newSite()
      const p = page(s.siteId, 'https://example.com/commit-counter')
      const v = version(p)
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle', match: isCounterUpdate, times: 1 })
      await expect(env.backend.commitVersion(p, v, { expectedRevision: 0 })).rejects.toMatchObject({
        code: 'CAPACITY',
      })
      env.faults.clear()
      const again = await env.backend.commitVersion(p, v, { expectedRevision: 0 })
      expect(again.page.revision).toBe(1)
      expect(again.page.currentVersionId).toBe(v.versionId)
      expect((await env.clean.getPage(s.siteId, p.pageId))?.revision).toBe(1)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
    })

    it('6: commitVersion retried with its expectedRevision after the page answer was lost completes', async () => {
      const s = await newSite()
      const saved = await env.backend.savePage(page(s.siteId, 'https://example.com/commit-lost'))
      const v = version(saved)
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isPageUpdate, times: 1 })
      await expect(env.backend.commitVersion(saved, v, { expectedRevision: 1 })).rejects.toThrow()
      env.faults.clear()
      const again = await env.backend.commitVersion(saved, v, { expectedRevision: 1 })
      expect(again.page.revision).toBe(2)
      expect(again.page.currentVersionId).toBe(v.versionId)
      expect((await env.clean.getPage(s.siteId, saved.pageId))?.revision).toBe(2)
      expect(await env.clean.countPages(s.siteId)).toBe(2)
      // A different page content with the same expectedRevision is still a conflict.
      await expect(
        env.backend.commitVersion({ ...saved, depth: 7 }, v, { expectedRevision: 1 }),
      ).rejects.toMatchObject({ code: 'CONFLICT' })
    })

    describe('15: a page past the 400 KB item limit', () => {
      const expectRefusedBeforeAnyRequest = async (call: () => Promise<unknown>, field: string) => {
        const from = env.faults.sent.length
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(ValidationError)
        expect((error as ValidationError).paths.some((path) => path.endsWith(field))).toBe(true)
        expect(env.faults.operationsSince(from)).toEqual([])
      }

      it('savePage: ValidationError naming the field, nothing written', async () => {
        const s = await newSite()
        const p = page(s.siteId, 'https://example.com/huge', { lastError: OVERSIZED })
        await expectRefusedBeforeAnyRequest(() => env.backend.savePage(p), 'lastError')
        expect(await env.clean.getPage(s.siteId, p.pageId)).toBeNull()
      })

      it('savePagesBulk: ValidationError naming the page and field, no page written', async () => {
        const s = await newSite()
        const pages: PageInput[] = [
          page(s.siteId, 'https://example.com/small'),
          page(s.siteId, 'https://example.com/huge-bulk', { canonicalUrl: OVERSIZED }),
        ]
        await expectRefusedBeforeAnyRequest(() => env.backend.savePagesBulk(pages), 'canonicalUrl')
        for (const p of pages) expect(await env.clean.getPage(s.siteId, p.pageId)).toBeNull()
      })

      it('commitVersion: ValidationError before the version is written', async () => {
        const s = await newSite()
        const p = page(s.siteId, 'https://example.com/huge-commit', { referrerUrl: OVERSIZED })
        const v = version(p)
        await expectRefusedBeforeAnyRequest(() => env.backend.commitVersion(p, v), 'referrerUrl')
        expect(await env.clean.getVersion(p.pageId, v.versionId)).toBeNull()
        expect(await env.clean.getPage(s.siteId, p.pageId)).toBeNull()
      })

      it('a page just under the limit is saved', async () => {
        const s = await newSite()
        const p = page(s.siteId, 'https://example.com/big', { lastError: 'y'.repeat(380 * 1024) })
        expect((await env.backend.savePage(p)).revision).toBe(1)
      })
    })
  })
})
