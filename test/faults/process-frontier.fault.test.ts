import { afterEach, describe, expect, it } from 'vitest'
import { CapacityError, newRunId, processFrontier } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { useFaultyBackend } from '../support/fault-client.js'
import { frontierItem } from '../support/fixtures.js'

// processFrontier when its writes fail: an outcome whose answer was lost is sent again and
// recognised, so it is applied and counted once; a failed lease renewal is tried again.

const holding = (text: string) => (input: Record<string, unknown>) => JSON.stringify(input).includes(text)

describe.each(MATRIX)('processFrontier under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout, { frontierMaxRetries: 0 })
    afterEach(() => env.faults.clear())

    async function oneItemRun() {
      const runId = newRunId()
      await env.clean.enqueueFrontierItems([frontierItem(runId, 's', 'https://e/only')])
      return runId
    }

    it('a completion whose answer was lost is sent again: completed once, no error', async () => {
      const runId = await oneItemRun()
      env.faults.inject({
        operation: 'UpdateItem',
        fault: 'lost-answer',
        nth: 1,
        match: holding('"completed"'),
      })
      const result = await processFrontier(env.backend, runId, () => undefined, { workerId: 'w' })
      expect(result).toMatchObject({ claimed: 1, completed: 1, errors: 0, lost: 0, stoppedBy: 'drained' })
      const [stored] = (await env.clean.getFrontierItems(runId)).items
      expect(stored).toMatchObject({ status: 'completed', workerId: 'w' })
    })

    it('a retry whose answer was lost is sent again: one attempt counted', async () => {
      const runId = await oneItemRun()
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', nth: 1, match: holding('HTTP 500') })
      const result = await processFrontier(
        env.backend,
        runId,
        () => {
          throw new Error('HTTP 500')
        },
        { workerId: 'w' },
      )
      expect(result).toMatchObject({ claimed: 1, failed: 1, retried: 0, errors: 0, stoppedBy: 'drained' })
      const [stored] = (await env.clean.getFrontierItems(runId)).items
      expect(stored).toMatchObject({ status: 'failed', retryCount: 1, lastError: 'HTTP 500' })
    })

    it('a lease renewal that failed is tried again at the next beat: the lease holds', async () => {
      const runId = await oneItemRun()
      let renewals = 0
      const flaky = new Proxy(env.backend, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver)
          if (key !== 'extendFrontierLease') return value
          return (...args: Parameters<typeof target.extendFrontierLease>) => {
            if (++renewals === 1) return Promise.reject(new CapacityError('throttled (injected)'))
            return target.extendFrontierLease(...args)
          }
        },
      })
      let stolen = 0
      const result = await processFrontier(
        flaky,
        runId,
        async () => {
          // Past the lease of 1.5 s: without the second renewal another worker could claim it.
          await new Promise((resolve) => setTimeout(resolve, 1_000))
          stolen += (await env.clean.claimFrontierItems(runId, { workerId: 'other' })).length
          await new Promise((resolve) => setTimeout(resolve, 1_000))
          stolen += (await env.clean.claimFrontierItems(runId, { workerId: 'other' })).length
        },
        { workerId: 'w', leaseSeconds: 1.5 },
      )
      expect(renewals).toBeGreaterThanOrEqual(3)
      expect(stolen).toBe(0)
      expect(result).toMatchObject({ claimed: 1, completed: 1, lost: 0, errors: 0 })
    })
  })
})
