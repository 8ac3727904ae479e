import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName } from '../../src/engine/transport.js'
import { createStorageBackend, type FrontierItem, newRunId, type StorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { type FaultRule, loopbackClient, useFaultyBackend } from '../support/fault-client.js'
import { collectAll, frontierItem } from '../support/fixtures.js'

const ids = (items: { itemId: string }[]) => items.map((i) => i.itemId).sort()

/** Enqueues `n` pending items of a new run; returns the run and the items' ids. */
async function pendingRun(backend: StorageBackend, n: number) {
  const runId = newRunId()
  const items = Array.from({ length: n }, (_, i) =>
    frontierItem(runId, 's', `https://e/${i}`, { priority: n - i }),
  )
  await backend.enqueueFrontierItems(items)
  return { runId, itemIds: ids(items as { itemId: string }[]) }
}

/** Every item of the run claimable now, as another worker's claim finds them. */
async function claimable(backend: StorageBackend, runId: string): Promise<string[]> {
  return ids(await backend.claimFrontierItems(runId, { workerId: 'sweeper', limit: 100 }))
}

describe.each(MATRIX)('frontier under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)
    afterEach(() => {
      env.faults.clear()
      vi.useRealTimers()
    })

    describe('a claim that partly fails strands nothing (item 2)', () => {
      // Each case: the faults, how many items the claim of 5 (of `enqueued`) returns. Afterwards
      // every item is either returned, leased to w1, or claimable by another worker.
      const cases: { name: string; faults: FaultRule[]; enqueued?: number; returned: number }[] = [
        {
          name: 'a take throttled past retries: the others are returned, it stays claimable',
          faults: [{ operation: 'UpdateItem', fault: 'throttle', nth: 2 }],
          returned: 4,
        },
        {
          name: 'a take whose answer was lost is returned as claimed',
          faults: [{ operation: 'UpdateItem', fault: 'lost-answer', nth: 2 }],
          returned: 5,
        },
        {
          name: 'a take the SDK sent twice is returned, once',
          faults: [{ operation: 'UpdateItem', fault: 'replay', nth: 2 }],
          returned: 5,
        },
        {
          name: 'a lost answer whose check cannot be read is released: claimable again',
          faults: [
            { operation: 'UpdateItem', fault: 'lost-answer', nth: 2 },
            { operation: 'GetItem', fault: 'throttle', nth: 1 },
          ],
          returned: 4,
        },
        {
          // 3 pending items, limit 5: the pending pass takes 3, the expired-lease pass's Query fails.
          name: 'a Query failing after takes landed: the call returns what it took',
          faults: [{ operation: 'Query', fault: 'throttle', nth: 2 }],
          enqueued: 3,
          returned: 3,
        },
      ]
      it.each(cases)('$name', async ({ faults, enqueued = 5, returned }) => {
        const { runId, itemIds } = await pendingRun(env.clean, enqueued)
        for (const rule of faults) env.faults.inject(rule)
        const got = await env.backend.claimFrontierItems(runId, { workerId: 'w1', limit: 5 })
        env.faults.clear()
        expect(got).toHaveLength(returned)
        expect(new Set(ids(got)).size).toBe(returned)
        expect(got.every((i) => i.status === 'in_progress' && i.workerId === 'w1')).toBe(true)
        const rest = await claimable(env.clean, runId)
        expect([...ids(got), ...rest].sort()).toEqual(itemIds)
      })

      it('nothing claimed and every request failing: the call throws, the items stay claimable', async () => {
        const { runId, itemIds } = await pendingRun(env.clean, 2)
        env.faults.inject({ operation: 'UpdateItem', fault: 'throttle' })
        await expect(
          env.backend.claimFrontierItems(runId, { workerId: 'w1', limit: 5 }),
        ).rejects.toMatchObject({
          code: 'CAPACITY',
        })
        env.faults.clear()
        expect(await claimable(env.clean, runId)).toEqual(itemIds)
      })

      it('a take delivered again after the item was completed changes nothing', async () => {
        const { runId } = await pendingRun(env.clean, 1)
        const from = env.faults.sent.length
        const [item] = await env.backend.claimFrontierItems(runId, { workerId: 'w1', limit: 1 })
        const take = env.faults.sent.findIndex((e, i) => i >= from && e.operation === 'UpdateItem')
        await env.backend.updateFrontierStatus(runId, item!.itemId, 'completed', { workerId: 'w1' })
        await expect(env.faults.resend(take)).rejects.toThrow()
        const [stored] = (await env.clean.getFrontierItems(runId)).items
        expect(stored?.status).toBe('completed')
      })
    })

    describe('in_progress items without a lease or with foreign times (item 3)', () => {
      it('an in_progress item without leaseExpiresAt is claimable', async () => {
        const runId = newRunId()
        const saved = await env.clean.saveFrontierItem(
          frontierItem(runId, 's', 'https://e/saved', { status: 'in_progress', workerId: 'ghost' }),
        )
        const [queued] = [frontierItem(runId, 's', 'https://e/updated')]
        await env.clean.enqueueFrontierItems([queued!])
        await env.clean.updateFrontierStatus(runId, queued!.itemId, 'in_progress')
        const got = await env.backend.claimFrontierItems(runId, { workerId: 'w1', limit: 5 })
        expect(ids(got)).toEqual([saved.itemId, queued!.itemId!].sort())
        expect(got.every((i) => i.workerId === 'w1' && i.leaseExpiresAt instanceof Date)).toBe(true)
      })

      it('an expired lease saved through the API is claimable, a live one is not', async () => {
        const runId = newRunId()
        const past = frontierItem(runId, 's', 'https://e/past', {
          status: 'in_progress',
          workerId: 'gone',
          leaseExpiresAt: new Date(Date.now() - 60_000),
        })
        const live = frontierItem(runId, 's', 'https://e/live', {
          status: 'in_progress',
          workerId: 'busy',
          leaseExpiresAt: new Date(Date.now() + 600_000),
        })
        await env.clean.saveFrontierItem(past)
        await env.clean.saveFrontierItem(live)
        expect(ids(await env.backend.claimFrontierItems(runId, { workerId: 'w1' }))).toEqual([past.itemId])
      })

      it.runIf(layout === 'multi-table')(
        'leases written by another tool compare by instant (no milliseconds, +00:00, offsets)',
        async () => {
          const runId = newRunId()
          const hour = 3_600_000
          const at = (ms: number, offsetHours: number) => {
            const local = new Date(ms + offsetHours * hour).toISOString().slice(0, 19)
            const sign = offsetHours < 0 ? '-' : '+'
            const hh = String(Math.abs(offsetHours)).padStart(2, '0')
            return `${local}${sign}${hh}:00`
          }
          const leases: Record<string, string | undefined> = {
            'no-millis': new Date(Date.now() - hour).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            'plus-zero': at(Date.now() - hour, 0),
            'east-expired': at(Date.now() - hour, 14), // reads as the future as a string
            'west-live': at(Date.now() + hour, -10), // reads as the past as a string
            'live-plus-zero': at(Date.now() + hour, 0),
            none: undefined,
          }
          const client = loopbackClient(env.endpoint)
          try {
            for (const [name, lease] of Object.entries(leases)) {
              const url = `https://e/${name}`
              const item = frontierItem(runId, 's', url)
              await client.send(
                new PutCommand({
                  TableName: `${(env.config.backend as { tablePrefix: string }).tablePrefix}frontier`,
                  Item: {
                    run_id: runId,
                    item_id: item.itemId,
                    site_id: 's',
                    url,
                    normalized_url: url,
                    url_hash: item.urlHash,
                    depth: 1,
                    priority: 0,
                    status: 'in_progress',
                    retry_count: 0,
                    discovered_at: '2026-01-01T00:00:00+00:00',
                    domain: 'e',
                    worker_id: 'other-tool',
                    ...(lease === undefined ? {} : { lease_expires_at: lease }),
                  },
                }),
              )
            }
          } finally {
            client.destroy()
          }
          const got = await env.backend.claimFrontierItems(runId, { workerId: 'w1', limit: 10 })
          expect(got.map((i) => i.url.slice(10)).sort()).toEqual(
            ['east-expired', 'no-millis', 'none', 'plus-zero'].sort(),
          )
          expect(got.every((i) => i.workerId === 'w1' && i.leaseExpiresAt!.getTime() > Date.now())).toBe(true)
        },
      )
    })

    describe("the owner's status change sent again (item 7)", () => {
      async function claimedItem(): Promise<{ runId: string; item: FrontierItem }> {
        const { runId } = await pendingRun(env.clean, 1)
        const [item] = await env.clean.claimFrontierItems(runId, { workerId: 'w1', limit: 1 })
        return { runId, item: item! }
      }

      it('a completion the SDK sent twice answers completed', async () => {
        const { runId, item } = await claimedItem()
        env.faults.inject({ operation: 'UpdateItem', fault: 'replay', nth: 1 })
        const done = await env.backend.updateFrontierStatus(runId, item.itemId, 'completed', {
          workerId: 'w1',
        })
        expect(done).toMatchObject({ status: 'completed', workerId: 'w1' })
      })

      it('a completion whose answer was lost, retried by the caller, answers completed', async () => {
        const { runId, item } = await claimedItem()
        env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', nth: 1 })
        await expect(
          env.backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: 'w1' }),
        ).rejects.toThrow()
        env.faults.clear()
        const done = await env.backend.updateFrontierStatus(runId, item.itemId, 'completed', {
          workerId: 'w1',
        })
        expect(done.status).toBe('completed')
        await expect(
          env.backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: 'w2' }),
        ).rejects.toMatchObject({ code: 'CONFLICT' })
      })

      it('a failure the SDK sent twice counts one retry (with and without workerId)', async () => {
        for (const workerId of ['w1', undefined]) {
          const { runId, item } = await claimedItem()
          env.faults.inject({ operation: 'UpdateItem', fault: 'replay', nth: 1 })
          const failed = await env.backend.updateFrontierStatus(runId, item.itemId, 'failed', {
            error: 'boom',
            ...(workerId ? { workerId } : {}),
          })
          env.faults.clear()
          expect(failed).toMatchObject({ status: 'failed', retryCount: 1, lastError: 'boom' })
          const [stored] = (await env.clean.getFrontierItems(runId)).items
          expect(stored?.retryCount).toBe(1)
        }
      })

      it('an enqueue the SDK sent twice counts the item as added', async () => {
        const runId = newRunId()
        env.faults.inject({ operation: 'PutItem', fault: 'replay', nth: 1 })
        const result = await env.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/once')])
        env.faults.clear()
        expect(result).toEqual({ added: 1, duplicates: 0 })
        expect(await env.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/once')])).toEqual({
          added: 0,
          duplicates: 1,
        })
      })
    })

    describe('leases', () => {
      it('are computed per take: a slow claim hands out live leases', async () => {
        const { runId } = await pendingRun(env.clean, 3)
        const real = loopbackClient(env.endpoint)
        const slow: DynamoDBClientLike = {
          async send(command, options) {
            if (operationName(command) === 'Query') await new Promise((r) => setTimeout(r, 1_500))
            return real.send(command as never, options as never)
          },
        }
        const { tablePrefix } = env.config.backend as { tablePrefix: string }
        const backend = createStorageBackend({ backend: { layout, tablePrefix, client: slow } })
        try {
          const got = await backend.claimFrontierItems(runId, { workerId: 'w1', limit: 3, leaseSeconds: 1 })
          const now = Date.now()
          expect(got).toHaveLength(3)
          expect(got.every((i) => i.leaseExpiresAt!.getTime() > now)).toBe(true)
          expect(await env.clean.claimFrontierItems(runId, { workerId: 'w2' })).toEqual([])
        } finally {
          await backend.close()
          real.destroy()
        }
      })

      it("are judged by the claimer's clock: one running ahead reclaims early", async () => {
        const { runId, itemIds } = await pendingRun(env.clean, 1)
        const first = await env.backend.claimFrontierItems(runId, { workerId: 'w1', leaseSeconds: 30 })
        expect(ids(first)).toEqual(itemIds)
        expect(await env.clean.claimFrontierItems(runId, { workerId: 'w2' })).toEqual([])
        // A claimer whose clock runs 60 s ahead sees the 30 s lease as over.
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 })
        const ahead = await env.clean.claimFrontierItems(runId, { workerId: 'w2' })
        vi.useRealTimers()
        expect(ids(ahead)).toEqual(itemIds)
        expect(ahead[0]?.workerId).toBe('w2')
        // The first owner's completion is refused: the item is leased to w2 now.
        await expect(
          env.backend.updateFrontierStatus(runId, itemIds[0]!, 'completed', { workerId: 'w1' }),
        ).rejects.toMatchObject({ code: 'CONFLICT' })
        const all = await collectAll((cursor) => env.clean.getFrontierItems(runId, { cursor }))
        expect(all.items.map((i) => i.workerId)).toEqual(['w2'])
      })
    })
  })
})
