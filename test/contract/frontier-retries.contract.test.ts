import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ConflictError,
  type FrontierItem,
  NotFoundError,
  newRunId,
  type StorageBackend,
  ValidationError,
} from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, frontierItem } from '../support/fixtures.js'

// API.md "Frontier for distributed crawls": extendFrontierLease, retryFrontierItem with its
// backoff and frontierMaxRetries, requeueFailedFrontierItems, and claims that honour scheduledAt.

const BASE_DELAY = 10

async function oneClaimed(backend: StorageBackend, workerId = 'w1', leaseSeconds = 60) {
  const runId = newRunId()
  const input = frontierItem(runId, 's', `https://e/${Math.random()}`)
  await backend.enqueueFrontierItems([input])
  const [item] = await backend.claimFrontierItems(runId, { workerId, leaseSeconds })
  expect(item?.workerId).toBe(workerId)
  return { runId, item: item! }
}

async function stored(backend: StorageBackend, runId: string): Promise<FrontierItem[]> {
  return (await collectAll((cursor) => backend.getFrontierItems(runId, { cursor }))).items
}

/** A claim by a worker whose clock runs `ms` ahead (claims judge leases and schedules by their clock). */
async function claimAhead(backend: StorageBackend, runId: string, ms: number): Promise<FrontierItem[]> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms })
  try {
    return await backend.claimFrontierItems(runId, { workerId: 'ahead', limit: 100 })
  } finally {
    vi.useRealTimers()
  }
}

describe.each(MATRIX)('frontier leases and retries — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout, { frontierRetryDelaySeconds: BASE_DELAY, frontierMaxRetries: 2 })
    afterEach(() => vi.useRealTimers())

    describe('extendFrontierLease', () => {
      it('moves the lease end to now + leaseSeconds: the item is not claimable when the first lease ends', async () => {
        const { runId, item } = await oneClaimed(ctx.backend, 'w1', 1)
        const before = Date.now()
        const extended = await ctx.backend.extendFrontierLease(runId, item.itemId, {
          workerId: 'w1',
          leaseSeconds: 120,
        })
        const after = Date.now()
        expect(extended).toMatchObject({ itemId: item.itemId, status: 'in_progress', workerId: 'w1' })
        expect(extended.leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 120_000)
        expect(extended.leaseExpiresAt!.getTime()).toBeLessThanOrEqual(after + 120_000)
        expect(await claimAhead(ctx.backend, runId, 60_000)).toEqual([])
        expect((await claimAhead(ctx.backend, runId, 130_000)).map((i) => i.itemId)).toEqual([item.itemId])
      })

      it('is allowed after the lease ran out when nobody claimed the item since', async () => {
        const runId = newRunId()
        const item = frontierItem(runId, 's', 'https://e/ran-out', {
          status: 'in_progress',
          workerId: 'w1',
          leaseExpiresAt: new Date(Date.now() - 60_000),
        })
        await ctx.backend.saveFrontierItem(item)
        const extended = await ctx.backend.extendFrontierLease(runId, item.itemId!, {
          workerId: 'w1',
          leaseSeconds: 60,
        })
        expect(extended.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 30_000)
        expect(await ctx.backend.claimFrontierItems(runId, { workerId: 'w2' })).toEqual([])
      })

      it('is refused to another worker, after a reclaim, and on items not in progress; unknown is NotFound', async () => {
        const { runId, item } = await oneClaimed(ctx.backend, 'w1', 1)
        const extend = (workerId: string, itemId = item.itemId) =>
          ctx.backend.extendFrontierLease(runId, itemId, { workerId, leaseSeconds: 60 })
        await expect(extend('w2')).rejects.toBeInstanceOf(ConflictError)
        const [reclaimed] = await claimAhead(ctx.backend, runId, 5_000)
        expect(reclaimed?.workerId).toBe('ahead')
        await expect(extend('w1')).rejects.toBeInstanceOf(ConflictError)
        await ctx.backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: 'ahead' })
        await expect(extend('ahead')).rejects.toBeInstanceOf(ConflictError)
        const pending = frontierItem(runId, 's', 'https://e/pending', { workerId: 'w1' })
        await ctx.backend.saveFrontierItem(pending)
        await expect(extend('w1', pending.itemId!)).rejects.toBeInstanceOf(ConflictError)
        await expect(extend('w1', 'no-such-item')).rejects.toBeInstanceOf(NotFoundError)
        await expect(
          ctx.backend.extendFrontierLease(runId, item.itemId, { workerId: 'w1', leaseSeconds: 0 }),
        ).rejects.toBeInstanceOf(ValidationError)
        await expect(
          ctx.backend.extendFrontierLease(runId, item.itemId, { leaseSeconds: 5 } as never),
        ).rejects.toBeInstanceOf(ValidationError)
      })
    })

    describe('retryFrontierItem', () => {
      it('counts the attempt, keeps the error, forgets worker and lease, and schedules the backoff', async () => {
        const { runId, item } = await oneClaimed(ctx.backend)
        const before = Date.now()
        const retried = await ctx.backend.retryFrontierItem(runId, item.itemId, {
          workerId: 'w1',
          error: 'HTTP 503',
        })
        const after = Date.now()
        expect(retried).toMatchObject({
          status: 'pending',
          retryCount: 1,
          lastError: 'HTTP 503',
          workerId: null,
          leaseExpiresAt: null,
        })
        // The first retry waits between half and all of frontierRetryDelaySeconds.
        const at = retried.scheduledAt!.getTime()
        expect(at).toBeGreaterThanOrEqual(before + (BASE_DELAY / 2) * 1000)
        expect(at).toBeLessThanOrEqual(after + BASE_DELAY * 1000)
        expect(await ctx.backend.claimFrontierItems(runId, { workerId: 'w2' })).toEqual([])
        expect(
          (await claimAhead(ctx.backend, runId, BASE_DELAY * 1000 + 1_000)).map((i) => i.itemId),
        ).toEqual([item.itemId])
      })

      it('the second retry waits between one and two base delays; without error lastError stays', async () => {
        const runId = newRunId()
        const item = frontierItem(runId, 's', 'https://e/second', { retryCount: 1, lastError: 'first' })
        await ctx.backend.enqueueFrontierItems([item])
        const before = Date.now()
        const retried = await ctx.backend.retryFrontierItem(runId, item.itemId!)
        const after = Date.now()
        expect(retried).toMatchObject({ status: 'pending', retryCount: 2, lastError: 'first' })
        expect(retried.scheduledAt!.getTime()).toBeGreaterThanOrEqual(before + BASE_DELAY * 1000)
        expect(retried.scheduledAt!.getTime()).toBeLessThanOrEqual(after + 2 * BASE_DELAY * 1000)
      })

      it('delaySeconds is taken as given (0: claimable at once); a negative one is a ValidationError', async () => {
        const { runId, item } = await oneClaimed(ctx.backend)
        const before = Date.now()
        const later = await ctx.backend.retryFrontierItem(runId, item.itemId, {
          workerId: 'w1',
          delaySeconds: 7_200,
        })
        const after = Date.now()
        expect(later.scheduledAt!.getTime()).toBeGreaterThanOrEqual(before + 7_200_000)
        expect(later.scheduledAt!.getTime()).toBeLessThanOrEqual(after + 7_200_000)
        const now = await ctx.backend.retryFrontierItem(runId, item.itemId, { delaySeconds: 0 })
        expect(now.retryCount).toBe(2)
        const [again] = await ctx.backend.claimFrontierItems(runId, { workerId: 'w2' })
        expect(again?.itemId).toBe(item.itemId)
        await expect(
          ctx.backend.retryFrontierItem(runId, item.itemId, { delaySeconds: -1 }),
        ).rejects.toBeInstanceOf(ValidationError)
      })

      it('past frontierMaxRetries the item is failed, finished, and no longer claimable', async () => {
        const runId = newRunId()
        const item = frontierItem(runId, 's', 'https://e/last', { retryCount: 2 })
        await ctx.backend.enqueueFrontierItems([item])
        const failed = await ctx.backend.retryFrontierItem(runId, item.itemId!, { error: 'gave up' })
        expect(failed).toMatchObject({
          status: 'failed',
          retryCount: 3,
          lastError: 'gave up',
          scheduledAt: null,
        })
        expect(failed.completedAt).toBeInstanceOf(Date)
        expect(await claimAhead(ctx.backend, runId, 7_200_000)).toEqual([])
        const byStatus = await ctx.backend.getFrontierItems(runId, { status: 'failed' })
        expect(byStatus.items.map((i) => i.itemId)).toEqual([item.itemId])
        // Finished: a retry of it is refused.
        await expect(ctx.backend.retryFrontierItem(runId, item.itemId!)).rejects.toBeInstanceOf(ConflictError)
      })

      it('with workerId only the lease owner may retry; unknown items are NotFound', async () => {
        const { runId, item } = await oneClaimed(ctx.backend)
        await expect(
          ctx.backend.retryFrontierItem(runId, item.itemId, { workerId: 'w2' }),
        ).rejects.toBeInstanceOf(ConflictError)
        const pending = frontierItem(runId, 's', 'https://e/p')
        await ctx.backend.enqueueFrontierItems([pending])
        await expect(
          ctx.backend.retryFrontierItem(runId, pending.itemId!, { workerId: 'w1' }),
        ).rejects.toBeInstanceOf(ConflictError)
        expect((await ctx.backend.retryFrontierItem(runId, pending.itemId!)).retryCount).toBe(1)
        await ctx.backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: 'w1' })
        await expect(ctx.backend.retryFrontierItem(runId, item.itemId)).rejects.toBeInstanceOf(ConflictError)
        await expect(ctx.backend.retryFrontierItem(runId, 'no-such-item')).rejects.toBeInstanceOf(
          NotFoundError,
        )
        const [one] = (await stored(ctx.backend, runId)).filter((i) => i.itemId === item.itemId)
        expect(one).toMatchObject({ status: 'completed', retryCount: 0 })
      })
    })

    describe('requeueFailedFrontierItems', () => {
      it('puts every failed item of the run back to pending, unscheduled, with no attempts counted', async () => {
        const runId = newRunId()
        const other = newRunId()
        const urls = Array.from({ length: 7 }, (_, i) => `https://e/f${i}`)
        await ctx.backend.enqueueFrontierItems([
          ...urls.map((url) => frontierItem(runId, 's', url, { retryCount: 2 })),
          frontierItem(runId, 's', 'https://e/done', { status: 'completed' }),
          frontierItem(runId, 's', 'https://e/open'),
          frontierItem(other, 's', 'https://e/other', { status: 'failed' }),
        ])
        for (const url of urls.slice(0, 5)) {
          const item = frontierItem(runId, 's', url)
          await ctx.backend.retryFrontierItem(runId, item.itemId!, { error: 'boom' })
        }
        for (const url of urls.slice(5)) {
          const item = frontierItem(runId, 's', url)
          await ctx.backend.updateFrontierStatus(runId, item.itemId!, 'failed', { error: 'x' })
        }
        expect(await ctx.backend.requeueFailedFrontierItems(runId)).toBe(7)
        const items = await stored(ctx.backend, runId)
        const requeued = items.filter((i) => urls.includes(i.url))
        expect(requeued).toHaveLength(7)
        for (const item of requeued) {
          expect(item).toMatchObject({
            status: 'pending',
            retryCount: 0,
            scheduledAt: null,
            completedAt: null,
          })
        }
        expect(items.find((i) => i.url === 'https://e/done')?.status).toBe('completed')
        expect((await ctx.backend.getFrontierItems(runId, { status: 'failed' })).items).toEqual([])
        expect((await ctx.backend.getFrontierItems(other, { status: 'failed' })).items).toHaveLength(1)
        const claimed = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 20 })
        expect(claimed).toHaveLength(8)
        expect(await ctx.backend.requeueFailedFrontierItems(runId)).toBe(0)
      })
    })

    describe('scheduling', () => {
      it('a claim never hands out an item scheduled for later; once due it is claimed in queue order', async () => {
        const runId = newRunId()
        const inAMinute = new Date(Date.now() + 60_000)
        await ctx.backend.enqueueFrontierItems([
          frontierItem(runId, 's', 'https://e/later-high', { priority: 9, scheduledAt: inAMinute }),
          frontierItem(runId, 's', 'https://e/due-low', {
            priority: 1,
            scheduledAt: new Date(Date.now() - 1),
          }),
          frontierItem(runId, 's', 'https://e/now-mid', { priority: 5 }),
        ])
        const pending = await ctx.backend.getFrontierItems(runId, { status: 'pending' })
        expect(pending.items.map((i) => i.url.slice(10))).toEqual(['later-high', 'now-mid', 'due-low'])
        const now = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 10 })
        expect(now.map((i) => i.url.slice(10))).toEqual(['now-mid', 'due-low'])
        const due = await claimAhead(ctx.backend, runId, 61_000)
        expect(due.map((i) => i.url.slice(10))).toEqual(['later-high'])
      })

      it('claims accept domainIntervalMs', async () => {
        const runId = newRunId()
        await ctx.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/polite')])
        const got = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', domainIntervalMs: 1_000 })
        expect(got).toHaveLength(1)
        await expect(
          ctx.backend.claimFrontierItems(runId, { workerId: 'w', domainIntervalMs: -1 }),
        ).rejects.toBeInstanceOf(ValidationError)
      })
    })
  })
})
