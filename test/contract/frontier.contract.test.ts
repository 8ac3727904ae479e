import { describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, newRunId, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, frontierItem, uid } from '../support/fixtures.js'

describe.each(MATRIX)('frontier — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('enqueues with dedupe within a call and across calls', async () => {
      const runId = newRunId()
      const items = ['a', 'b', 'c'].map((p) => frontierItem(runId, 's', `https://example.com/${p}`))
      expect(await ctx.backend.enqueueFrontierItems([...items, items[0]!])).toEqual({
        added: 3,
        duplicates: 1,
      })
      expect(await ctx.backend.enqueueFrontierItems(items)).toEqual({ added: 0, duplicates: 3 })
    })

    it('lists by status, highest priority first then oldest discoveredAt, paginated', async () => {
      const runId = newRunId()
      const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
      await ctx.backend.enqueueFrontierItems([
        frontierItem(runId, 's', 'https://e/low', { priority: -1, discoveredAt: t(1) }),
        frontierItem(runId, 's', 'https://e/high-late', { priority: 5.5, discoveredAt: t(9) }),
        frontierItem(runId, 's', 'https://e/high-early', { priority: 5.5, discoveredAt: t(2) }),
        frontierItem(runId, 's', 'https://e/mid', { priority: 1, discoveredAt: t(3) }),
        frontierItem(runId, 's', 'https://e/done', { priority: 9, status: 'completed' }),
      ])
      const pending = await collectAll((cursor) =>
        ctx.backend.getFrontierItems(runId, { status: 'pending', limit: 2, cursor }),
      )
      expect(pending.items.map((i) => i.url.slice(10))).toEqual(['high-early', 'high-late', 'mid', 'low'])
      const all = await collectAll((cursor) => ctx.backend.getFrontierItems(runId, { limit: 2, cursor }))
      expect(all.items.map((i) => i.url.slice(10))).toEqual(['done', 'high-early', 'high-late', 'mid', 'low'])
      expect(all.emptyPagesWithCursor).toBe(0)
      await expect(ctx.backend.getFrontierItems(runId, { status: 'bogus' as never })).rejects.toBeInstanceOf(
        ValidationError,
      )
    })

    it('claims highest priority first and hands no item to two of 8 concurrent claimers', async () => {
      const runId = newRunId()
      const items = Array.from({ length: 200 }, (_, i) =>
        frontierItem(runId, 's', `https://e/${i}`, { priority: i % 7 }),
      )
      await ctx.backend.enqueueFrontierItems(items)
      const first = await ctx.backend.claimFrontierItems(runId, { workerId: 'solo', limit: 3 })
      expect(first.map((i) => i.priority)).toEqual([6, 6, 6])
      expect(first.every((i) => i.status === 'in_progress' && i.workerId === 'solo')).toBe(true)
      const claims = new Map<string, string>()
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (;;) {
            const got = await ctx.backend.claimFrontierItems(runId, {
              workerId: `w${w}`,
              limit: 7,
              leaseSeconds: 600,
            })
            if (got.length === 0) return
            for (const item of got) {
              expect(claims.has(item.itemId)).toBe(false)
              claims.set(item.itemId, `w${w}`)
            }
          }
        }),
      )
      expect(claims.size).toBe(197)
      const inProgress = await collectAll((cursor) =>
        ctx.backend.getFrontierItems(runId, { status: 'in_progress', cursor }),
      )
      expect(inProgress.items).toHaveLength(200)
    })

    it('reclaims items whose lease expired; only the lease owner completes', async () => {
      const runId = newRunId()
      const [item] = [frontierItem(runId, 's', 'https://e/lease')]
      await ctx.backend.enqueueFrontierItems([item!])
      const [claimed] = await ctx.backend.claimFrontierItems(runId, { workerId: 'w1', leaseSeconds: 1 })
      expect(claimed?.workerId).toBe('w1')
      expect(await ctx.backend.claimFrontierItems(runId, { workerId: 'w2' })).toHaveLength(0)
      await new Promise((r) => setTimeout(r, 1_100))
      const [reclaimed] = await ctx.backend.claimFrontierItems(runId, { workerId: 'w2' })
      expect(reclaimed?.workerId).toBe('w2')
      await expect(
        ctx.backend.updateFrontierStatus(runId, item!.itemId, 'completed', { workerId: 'w1' }),
      ).rejects.toBeInstanceOf(ConflictError)
      const done = await ctx.backend.updateFrontierStatus(runId, item!.itemId, 'completed', {
        workerId: 'w2',
      })
      expect(done.status).toBe('completed')
      expect(done.completedAt).toBeInstanceOf(Date)
      await expect(ctx.backend.updateFrontierStatus(runId, 'missing', 'completed')).rejects.toBeInstanceOf(
        NotFoundError,
      )
      const failed = await ctx.backend.updateFrontierStatus(runId, item!.itemId, 'failed', { error: 'boom' })
      expect(failed).toMatchObject({ status: 'failed', lastError: 'boom', retryCount: 1 })
    })

    it('saves an item, updates status and clears the run', async () => {
      const runId = newRunId()
      const saved = await ctx.backend.saveFrontierItem(
        frontierItem(runId, 's', 'https://e/x', { priority: 2 }),
      )
      expect(saved.status).toBe('pending')
      await ctx.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/y')])
      expect(await ctx.backend.clearFrontier(runId)).toBe(2)
      expect((await ctx.backend.getFrontierItems(runId)).items).toHaveLength(0)
      expect(await ctx.backend.clearFrontier(uid('run'))).toBe(0)
      await expect(
        ctx.backend.claimFrontierItems(runId, { workerId: 'w', leaseSeconds: 0 }),
      ).rejects.toBeInstanceOf(ValidationError)
    })
  })
})
