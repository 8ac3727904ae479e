import { describe, expect, it } from 'vitest'
import {
  type FrontierItem,
  newRunId,
  processFrontier,
  type StorageBackend,
  ValidationError,
} from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { collectAll, frontierItem } from '../support/fixtures.js'

// API.md "Frontier for distributed crawls" and issue #11 item 3: the worker loop.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function items(backend: StorageBackend, runId: string): Promise<FrontierItem[]> {
  return (await collectAll((cursor) => backend.getFrontierItems(runId, { cursor }))).items
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

describe.each(MATRIX)('processFrontier — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    describe('leases, drain and stop', () => {
      const ctx = useBackend(engine, layout)

      it('a long handler whose lease is renewed is never handed to a second worker', async () => {
        const runId = newRunId()
        const item = frontierItem(runId, 's', 'https://e/long')
        await ctx.backend.enqueueFrontierItems([item])
        let handling = true
        const stolen: FrontierItem[] = []
        let secondClaims = 0
        let started!: () => void
        const handlerStarted = new Promise<void>((resolve) => {
          started = resolve
        })
        // The second worker claims in a loop from the moment the first one's handler runs.
        const second = (async () => {
          await handlerStarted
          while (handling) {
            const got = await ctx.backend.claimFrontierItems(runId, { workerId: 'second', leaseSeconds: 60 })
            stolen.push(...got)
            secondClaims++
            await sleep(100)
          }
        })()
        const result = await processFrontier(
          ctx.backend,
          runId,
          async () => {
            started()
            await sleep(5_000) // 2.5 leases
            handling = false
          },
          { workerId: 'first', leaseSeconds: 2, maxPollIntervalMs: 100 },
        )
        handling = false
        await second
        expect(secondClaims).toBeGreaterThan(10)
        expect(stolen).toEqual([])
        expect(result).toMatchObject({ claimed: 1, completed: 1, lost: 0, stoppedBy: 'drained' })
        const [done] = await items(ctx.backend, runId)
        expect(done).toMatchObject({ status: 'completed', workerId: 'first', retryCount: 0 })
      })

      it('two workers drain a queue that grows while they crawl: every URL handled once, completed', async () => {
        const runId = newRunId()
        const seeds = Array.from({ length: 10 }, (_, i) =>
          frontierItem(runId, 's', `https://e/${i}`, { depth: 0 }),
        )
        await ctx.backend.enqueueFrontierItems(seeds)
        const handled: { worker: string; url: string }[] = []
        const worker = (workerId: string) =>
          processFrontier(
            ctx.backend,
            runId,
            async (item) => {
              handled.push({ worker: workerId, url: item.url })
              await sleep(10)
              if (item.depth === 0) {
                await ctx.backend.enqueueFrontierItems(
                  [1, 2, 3].map((n) => frontierItem(runId, 's', `${item.url}/${n}`, { depth: 1 })),
                )
              }
            },
            { workerId, concurrency: 3, leaseSeconds: 60, maxPollIntervalMs: 50 },
          )
        const [a, b] = await Promise.all([worker('a'), worker('b')])
        const urls = handled.map((h) => h.url)
        expect(urls).toHaveLength(40)
        expect(new Set(urls).size).toBe(40)
        expect(a!.completed + b!.completed).toBe(40)
        expect(a!.claimed + b!.claimed).toBe(40)
        for (const result of [a!, b!]) {
          expect(result).toMatchObject({ retried: 0, failed: 0, lost: 0, errors: 0, stoppedBy: 'drained' })
        }
        const stored = await items(ctx.backend, runId)
        expect(stored).toHaveLength(40)
        expect(stored.every((i) => i.status === 'completed')).toBe(true)
      })

      it('stops on the signal: a handler that returns is completed, one that throws gives its item back', async () => {
        const runId = newRunId()
        await ctx.backend.enqueueFrontierItems(
          Array.from({ length: 5 }, (_, i) =>
            frontierItem(runId, 's', `https://e/${i}`, { priority: 10 - i }),
          ),
        )
        const controller = new AbortController()
        const started: string[] = []
        const result = processFrontier(
          ctx.backend,
          runId,
          async (item, { signal }) => {
            started.push(item.url)
            if (started.length === 2) controller.abort()
            await untilAborted(signal)
            if (item.url.endsWith('/0')) throw new Error('interrupted')
            await sleep(50)
          },
          { workerId: 'w', concurrency: 2, leaseSeconds: 60, signal: controller.signal },
        )
        expect(await result).toMatchObject({
          claimed: 2,
          completed: 1,
          released: 1,
          retried: 0,
          stoppedBy: 'signal',
        })
        const byUrl = new Map((await items(ctx.backend, runId)).map((i) => [i.url.slice(10), i]))
        expect(byUrl.get('0')).toMatchObject({
          status: 'pending',
          retryCount: 0,
          workerId: null,
          leaseExpiresAt: null,
        })
        expect(byUrl.get('1')?.status).toBe('completed')
        expect([2, 3, 4].map((n) => byUrl.get(String(n))?.status)).toEqual(['pending', 'pending', 'pending'])
      })

      it('an aborted signal claims nothing', async () => {
        const runId = newRunId()
        await ctx.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/never')])
        const controller = new AbortController()
        controller.abort()
        const result = await processFrontier(ctx.backend, runId, () => undefined, {
          workerId: 'w',
          signal: controller.signal,
        })
        expect(result).toMatchObject({ claimed: 0, stoppedBy: 'signal' })
        expect((await items(ctx.backend, runId))[0]?.status).toBe('pending')
      })

      it('waits for an item scheduled for later instead of stopping as drained', async () => {
        const runId = newRunId()
        const soon = new Date(Date.now() + 1_000)
        await ctx.backend.enqueueFrontierItems([
          frontierItem(runId, 's', 'https://e/soon', { scheduledAt: soon }),
        ])
        const seenAt: number[] = []
        const result = await processFrontier(ctx.backend, runId, () => void seenAt.push(Date.now()), {
          workerId: 'w',
          maxPollIntervalMs: 100,
        })
        expect(result).toMatchObject({ claimed: 1, completed: 1, stoppedBy: 'drained' })
        expect(seenAt[0]).toBeGreaterThanOrEqual(soon.getTime())
      })

      it('options are strict; domainIntervalMs is passed to every claim', async () => {
        const runId = newRunId()
        const noop = () => undefined
        const refused = [
          () => processFrontier(ctx.backend, runId, noop, { workerId: 'w', bogus: 1 } as never),
          () => processFrontier(ctx.backend, runId, noop, {} as never),
          () => processFrontier(ctx.backend, runId, noop, { workerId: 'w', concurrency: 0 }),
          () => processFrontier(ctx.backend, runId, noop, { workerId: 'w', leaseSeconds: 0 }),
          () => processFrontier(ctx.backend, runId, 'x' as never, { workerId: 'w' }),
          () => processFrontier(ctx.backend, '', noop, { workerId: 'w' }),
        ]
        for (const call of refused) await expect(call()).rejects.toBeInstanceOf(ValidationError)
        await ctx.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/polite')])
        const claims: unknown[] = []
        const spy = new Proxy(ctx.backend, {
          get(target, key, receiver) {
            const value = Reflect.get(target, key, receiver)
            if (key !== 'claimFrontierItems') return value
            return (run: string, options: unknown) => {
              claims.push(options)
              return target.claimFrontierItems(run, options as never)
            }
          },
        })
        const result = await processFrontier(spy, runId, noop, { workerId: 'w', domainIntervalMs: 250 })
        expect(result.completed).toBe(1)
        expect(claims.length).toBeGreaterThan(0)
        for (const options of claims) expect(options).toMatchObject({ workerId: 'w', domainIntervalMs: 250 })
      })
    })

    describe('retries on a schedule', () => {
      const BASE = 0.4
      const MAX_RETRIES = 3
      const ctx = useBackend(engine, layout, {
        frontierRetryDelaySeconds: BASE,
        frontierMaxRetries: MAX_RETRIES,
      })

      it('a URL failing every time is tried frontierMaxRetries + 1 times, no sooner than its backoff allows, then failed', async () => {
        const runId = newRunId()
        await ctx.backend.enqueueFrontierItems([
          frontierItem(runId, 's', 'https://e/broken'),
          frontierItem(runId, 's', 'https://e/fine'),
        ])
        const attempts: number[] = []
        const result = await processFrontier(
          ctx.backend,
          runId,
          (item) => {
            if (item.url.endsWith('fine')) return
            attempts.push(Date.now())
            throw new Error('HTTP 500')
          },
          { workerId: 'w', leaseSeconds: 30, maxPollIntervalMs: 50 },
        )
        expect(attempts).toHaveLength(MAX_RETRIES + 1)
        // The nth retry waits at least half of BASE × 2^(n−1) (the jitter's lower end); dates are
        // stored to the millisecond.
        const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!)
        gaps.forEach((gap, i) => {
          expect(gap).toBeGreaterThanOrEqual((BASE * 2 ** i * 1000) / 2 - 1)
        })
        expect(result).toMatchObject({
          claimed: 5,
          completed: 1,
          retried: MAX_RETRIES,
          failed: 1,
          stoppedBy: 'drained',
        })
        const broken = (await items(ctx.backend, runId)).find((i) => i.url.endsWith('broken'))
        expect(broken).toMatchObject({
          status: 'failed',
          retryCount: MAX_RETRIES + 1,
          lastError: 'HTTP 500',
          workerId: null,
        })
        expect(await ctx.backend.requeueFailedFrontierItems(runId)).toBe(1)
      })
    })
  })
})
