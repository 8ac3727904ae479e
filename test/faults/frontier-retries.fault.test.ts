import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { type FrontierItem, newRunId, type StorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { loopbackClient, useFaultyBackend } from '../support/fault-client.js'
import { collectAll, frontierItem } from '../support/fixtures.js'

// Replays of extendFrontierLease, retryFrontierItem and requeueFailedFrontierItems: a write whose
// answer was lost and that is sent again (by the SDK, or by the caller) leaves the state of one
// delivery and answers as the first delivery would have.

const MAX_RETRIES = 2

async function claimedItem(backend: StorageBackend): Promise<{ runId: string; item: FrontierItem }> {
  const runId = newRunId()
  await backend.enqueueFrontierItems([frontierItem(runId, 's', `https://e/${Math.random()}`)])
  const [item] = await backend.claimFrontierItems(runId, { workerId: 'w1', leaseSeconds: 60 })
  return { runId, item: item! }
}

async function storedItems(backend: StorageBackend, runId: string): Promise<FrontierItem[]> {
  return (await collectAll((cursor) => backend.getFrontierItems(runId, { cursor }))).items
}

const updates = { operation: 'UpdateItem' } as const

describe.each(MATRIX)(
  'frontier leases and retries under faults — $layout on $engine',
  ({ layout, engine }) => {
    describe.skipIf(!engineAvailable(engine))('', () => {
      const env = useFaultyBackend(engine, layout, { frontierMaxRetries: MAX_RETRIES })
      afterEach(() => env.faults.clear())

      describe('extendFrontierLease', () => {
        it('sent twice by the SDK: answers the extended item', async () => {
          const { runId, item } = await claimedItem(env.clean)
          env.faults.inject({ ...updates, fault: 'replay', nth: 1 })
          const extended = await env.backend.extendFrontierLease(runId, item.itemId, {
            workerId: 'w1',
            leaseSeconds: 600,
          })
          expect(extended).toMatchObject({ status: 'in_progress', workerId: 'w1' })
          const [stored] = await storedItems(env.clean, runId)
          expect(stored?.leaseExpiresAt).toEqual(extended.leaseExpiresAt)
          expect(extended.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 500_000)
        })

        it('answer lost, sent again by the caller: extended; a resend after completion changes nothing', async () => {
          const { runId, item } = await claimedItem(env.clean)
          const from = env.faults.sent.length
          env.faults.inject({ ...updates, fault: 'lost-answer', nth: 1 })
          const options = { workerId: 'w1', leaseSeconds: 600 }
          await expect(env.backend.extendFrontierLease(runId, item.itemId, options)).rejects.toThrow()
          env.faults.clear()
          const extended = await env.backend.extendFrontierLease(runId, item.itemId, options)
          expect(extended.workerId).toBe('w1')
          await env.clean.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: 'w1' })
          await expect(env.faults.resend(from)).rejects.toThrow()
          const [stored] = await storedItems(env.clean, runId)
          expect(stored).toMatchObject({ status: 'completed', leaseExpiresAt: null })
        })
      })

      describe('retryFrontierItem', () => {
        it('sent twice by the SDK counts one retry (with and without workerId)', async () => {
          for (const workerId of ['w1', undefined]) {
            const { runId, item } = await claimedItem(env.clean)
            env.faults.inject({ ...updates, fault: 'replay', nth: 1 })
            const retried = await env.backend.retryFrontierItem(runId, item.itemId, {
              error: 'boom',
              ...(workerId ? { workerId } : {}),
            })
            env.faults.clear()
            expect(retried).toMatchObject({
              status: 'pending',
              retryCount: 1,
              lastError: 'boom',
              workerId: null,
            })
            const [stored] = await storedItems(env.clean, runId)
            expect(stored).toMatchObject({ retryCount: 1, scheduledAt: retried.scheduledAt })
          }
        })

        it("answer lost, sent again by the owner: one retry, answered as the first delivery's", async () => {
          const { runId, item } = await claimedItem(env.clean)
          env.faults.inject({ ...updates, fault: 'lost-answer', nth: 1 })
          const options = { workerId: 'w1', error: 'HTTP 503' }
          await expect(env.backend.retryFrontierItem(runId, item.itemId, options)).rejects.toThrow()
          env.faults.clear()
          const [first] = await storedItems(env.clean, runId)
          const again = await env.backend.retryFrontierItem(runId, item.itemId, options)
          expect(again).toEqual(first)
          expect(again).toMatchObject({ status: 'pending', retryCount: 1 })
          // A different request of the same owner is not taken for the first: the lease is gone.
          await expect(
            env.backend.retryFrontierItem(runId, item.itemId, { workerId: 'w1', error: 'other' }),
          ).rejects.toMatchObject({ code: 'CONFLICT' })
        })

        it('the last retry sent twice by the SDK fails the item once', async () => {
          const runId = newRunId()
          const input = frontierItem(runId, 's', 'https://e/last', { retryCount: MAX_RETRIES })
          await env.clean.enqueueFrontierItems([input])
          env.faults.inject({ ...updates, fault: 'replay', nth: 1 })
          const failed = await env.backend.retryFrontierItem(runId, input.itemId!, { error: 'gave up' })
          expect(failed).toMatchObject({ status: 'failed', retryCount: MAX_RETRIES + 1 })
          const [stored] = await storedItems(env.clean, runId)
          expect(stored).toMatchObject({ status: 'failed', retryCount: MAX_RETRIES + 1 })
        })

        it('delivered again after the item was claimed anew changes nothing', async () => {
          const { runId, item } = await claimedItem(env.clean)
          const from = env.faults.sent.length
          await env.backend.retryFrontierItem(runId, item.itemId, { workerId: 'w1', delaySeconds: 0 })
          const write = env.faults.sent.findIndex((e, i) => i >= from && e.operation === 'UpdateItem')
          const [again] = await env.clean.claimFrontierItems(runId, { workerId: 'w2', leaseSeconds: 60 })
          expect(again?.workerId).toBe('w2')
          await expect(env.faults.resend(write)).rejects.toThrow()
          const [stored] = await storedItems(env.clean, runId)
          expect(stored).toMatchObject({ status: 'in_progress', workerId: 'w2', retryCount: 1 })
        })

        it('a throttled write changes nothing and can be retried', async () => {
          const { runId, item } = await claimedItem(env.clean)
          env.faults.inject({ ...updates, fault: 'throttle', nth: 1 })
          await expect(
            env.backend.retryFrontierItem(runId, item.itemId, { workerId: 'w1' }),
          ).rejects.toMatchObject({
            code: 'CAPACITY',
          })
          env.faults.clear()
          const [untouched] = await storedItems(env.clean, runId)
          expect(untouched).toMatchObject({ status: 'in_progress', retryCount: 0 })
          expect(
            (await env.backend.retryFrontierItem(runId, item.itemId, { workerId: 'w1' })).retryCount,
          ).toBe(1)
        })
      })

      describe('requeueFailedFrontierItems', () => {
        it('writes the SDK sent twice count each item once; calling it again finds nothing', async () => {
          const runId = newRunId()
          const inputs = Array.from({ length: 4 }, (_, i) =>
            frontierItem(runId, 's', `https://e/${i}`, { status: 'failed', retryCount: 3 }),
          )
          await env.clean.enqueueFrontierItems(inputs)
          env.faults.inject({ ...updates, fault: 'replay', times: 2 })
          expect(await env.backend.requeueFailedFrontierItems(runId)).toBe(4)
          env.faults.clear()
          expect(await env.backend.requeueFailedFrontierItems(runId)).toBe(0)
          const stored = await storedItems(env.clean, runId)
          expect(stored.every((i) => i.status === 'pending' && i.retryCount === 0)).toBe(true)
        })

        it('a write that failed throws; calling again requeues the rest', async () => {
          const runId = newRunId()
          await env.clean.enqueueFrontierItems(
            Array.from({ length: 3 }, (_, i) =>
              frontierItem(runId, 's', `https://e/${i}`, { status: 'failed' }),
            ),
          )
          env.faults.inject({ ...updates, fault: 'throttle', nth: 2 })
          await expect(env.backend.requeueFailedFrontierItems(runId)).rejects.toMatchObject({
            code: 'CAPACITY',
          })
          env.faults.clear()
          expect(await env.backend.requeueFailedFrontierItems(runId)).toBe(1)
          const stored = await storedItems(env.clean, runId)
          expect(stored.every((i) => i.status === 'pending')).toBe(true)
        })
      })

      it.runIf(layout === 'multi-table')(
        'items another tool wrote with only documented attributes (no retry_count) can be retried and extended',
        async () => {
          const runId = newRunId()
          const url = 'https://e/foreign'
          const item = frontierItem(runId, 's', url)
          const client = loopbackClient(env.endpoint)
          try {
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
                  discovered_at: '2026-01-01T00:00:00+00:00',
                  domain: 'e',
                  worker_id: 'w1',
                  lease_expires_at: '2026-01-01T00:00:00+00:00',
                },
              }),
            )
          } finally {
            client.destroy()
          }
          const extended = await env.backend.extendFrontierLease(runId, item.itemId!, {
            workerId: 'w1',
            leaseSeconds: 60,
          })
          expect(extended.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now())
          const retried = await env.backend.retryFrontierItem(runId, item.itemId!, {
            workerId: 'w1',
            delaySeconds: 0,
          })
          expect(retried).toMatchObject({ status: 'pending', retryCount: 1, workerId: null })
        },
      )
    })
  },
)
