import { describe, expect, it } from 'vitest'
import type { PageChange, StorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { useFaultyBackend } from '../support/fault-client.js'
import { page, site } from '../support/fixtures.js'

/** Stored names of a page save's write token: marks a page UpdateItem. */
const PAGE_MARKS = ['writeToken', 'write_token']
const isPageUpdate = (input: Record<string, unknown>) =>
  Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>).some((n) =>
    PAGE_MARKS.includes(n),
  )
/** A page save sent as a change: it sets the feed's marker. */
const isChangeWrite = (input: Record<string, unknown>) =>
  isPageUpdate(input) && Object.keys((input.ExpressionAttributeValues ?? {}) as object).includes(':cf_marker')

async function everything(backend: StorageBackend, siteId: string): Promise<PageChange[]> {
  const changes: PageChange[] = []
  let cursor: string | null = null
  for (;;) {
    const result: { items: PageChange[]; cursor: string } = await backend.listPageChanges(siteId, { cursor })
    changes.push(...result.items)
    cursor = result.cursor
    if (result.items.length === 0) return changes
  }
}

describe.each(MATRIX)('change feed under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout, { changeFeedDelaySeconds: 0 })

    async function newSite() {
      const s = site()
      await env.clean.saveSite(s)
      return s.siteId
    }

    it('a change delivered twice by the SDK (lost answer, resent) appears once, in its final state', async () => {
      const siteId = await newSite()
      const p = page(siteId, 'https://example.com/replayed', { contentHash: 'h1' })
      env.faults.inject({ operation: 'UpdateItem', fault: 'replay', match: isPageUpdate, times: 1 })
      const saved = await env.backend.savePage(p)
      env.faults.clear()
      expect(saved.revision).toBe(1)
      const changes = await everything(env.clean, siteId)
      expect(changes.map((c) => [c.page.pageId, c.page.contentHash, c.page.revision])).toEqual([
        [p.pageId, 'h1', 1],
      ])
    })

    it('a change resent late (after a later change) neither applies again nor moves the marker back', async () => {
      const siteId = await newSite()
      const first = await env.clean.savePage(page(siteId, 'https://example.com/late', { contentHash: 'h1' }))
      const from = env.faults.sent.length
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isChangeWrite, times: 1 })
      await expect(env.backend.savePage({ ...first, contentHash: 'h2' })).rejects.toThrow(/answer was lost/)
      env.faults.clear()
      const lost = env.faults.sent.findIndex((e, i) => i >= from && e.fault === 'lost-answer')
      await new Promise((resolve) => setTimeout(resolve, 5))
      const later = await env.clean.savePage({ ...first, revision: 2, contentHash: 'h3' })
      const before = await everything(env.clean, siteId)
      await expect(env.faults.resend(lost)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
      const after = await everything(env.clean, siteId)
      expect(after).toEqual(before)
      expect(after.map((c) => [c.page.contentHash, c.page.revision])).toEqual([['h3', later.revision]])
    })

    it('a save whose answer was lost, saved again with the same content, is in the feed once as stored', async () => {
      const siteId = await newSite()
      const p = page(siteId, 'https://example.com/lost-then-again', { contentHash: 'h1' })
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', match: isPageUpdate, times: 1 })
      await expect(env.backend.savePage(p)).rejects.toThrow(/answer was lost/)
      env.faults.clear()
      const first = await everything(env.clean, siteId)
      const again = await env.backend.savePage({ ...p, lastSeen: new Date() })
      expect(again.revision).toBe(2)
      const after = await everything(env.clean, siteId)
      expect(first.map((c) => c.changedAt)).toEqual(after.map((c) => c.changedAt))
      expect(after.map((c) => [c.page.contentHash, c.page.revision])).toEqual([['h1', 2]])
    })

    // DynamoDB Local runs a bulk save as PartiQL batches of the feed's forms (INSERT, UPDATE as
    // changed, UPDATE as unchanged); dynalite as the page's own UpdateItems, which the tests above fault.
    for (const fault of ['replay', 'lost-answer'] as const) {
      it(`a bulk save whose statements' answer was lost (${fault}) delivers each change once, an unchanged re-save none`, async () => {
        const siteId = await newSite()
        const from = env.faults.sent.length
        const pages = Array.from({ length: 30 }, (_, i) =>
          page(siteId, `https://example.com/bulk-feed-${fault}/${i}`, { contentHash: `a${i}` }),
        )
        env.faults.inject({ operation: 'BatchExecuteStatement', fault, times: 2 })
        expect(await env.backend.savePagesBulk(pages)).toBe(30)
        const first = await env.clean.listPageChanges(siteId, { limit: 100 })
        expect(new Set(first.items.map((c) => c.page.pageId)).size).toBe(30)
        expect(first.items).toHaveLength(30)
        // An unchanged re-save (same content), its answers lost again: nothing new on the feed.
        env.faults.inject({ operation: 'BatchExecuteStatement', fault, times: 2 })
        expect(await env.backend.savePagesBulk(pages)).toBe(30)
        expect((await env.clean.listPageChanges(siteId, { cursor: first.cursor })).items).toEqual([])
        // A third of them changed, answers lost: exactly those, once, in their final state.
        const changed = pages.map((p, i) => (i % 3 === 0 ? { ...p, contentHash: `b${i}` } : p))
        env.faults.inject({ operation: 'BatchExecuteStatement', fault, times: 2 })
        expect(await env.backend.savePagesBulk(changed)).toBe(30)
        env.faults.clear()
        const next = (await env.clean.listPageChanges(siteId, { cursor: first.cursor, limit: 100 })).items
        expect(next.map((c) => [c.page.pageId, c.page.contentHash]).sort()).toEqual(
          changed
            .filter((_, i) => i % 3 === 0)
            .map((p) => [p.pageId, p.contentHash])
            .sort(),
        )
        expect(next.every((c) => c.page.revision === 3)).toBe(true)
        // On DynamoDB Local each of the three bulk saves had two statement requests faulted
        // (dynalite answers the capability probe UnknownOperation and saves page by page).
        const faulted = env.faults.sent.slice(from).filter((e) => e.fault === fault).length
        if (engine === 'dynamodb-local') expect(faulted).toBe(6)
      })
    }
  })
})
