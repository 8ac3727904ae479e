import { afterEach, describe, expect, it } from 'vitest'
import { createStorageBackend, newRunId, type StorageBackend } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { type FaultRule, useFaultyBackend } from '../support/fault-client.js'
import { frontierItem } from '../support/fixtures.js'

const ids = (items: { itemId: string }[]) => items.map((i) => i.itemId).sort()
const POLITE = { limit: 3, leaseSeconds: 60, domainIntervalMs: 60_000 }

/** One pending item in each of three domains; the politeness writes of a claim of 3 are UpdateItems 1–3. */
async function threeDomains(backend: StorageBackend) {
  const runId = newRunId()
  const items = ['a', 'b', 'c'].map((d, i) =>
    frontierItem(runId, 's', `https://${d}.example/`, { domain: `${d}.example`, priority: 3 - i }),
  )
  await backend.enqueueFrontierItems(items)
  return { runId, itemIds: ids(items as { itemId: string }[]), first: items[0]!.itemId! }
}

describe.each(MATRIX)('politeness writes under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)
    afterEach(() => env.faults.clear())

    const cases: { name: string; fault: FaultRule; returned: number; domainFree: boolean }[] = [
      {
        name: 'sent twice by the SDK (lost answer + resend): claimed once, as by one delivery',
        fault: { operation: 'UpdateItem', fault: 'replay', nth: 1 },
        returned: 3,
        domainFree: false,
      },
      {
        name: 'its answer lost: no take is sent, the item stays pending (the domain waits its interval)',
        fault: { operation: 'UpdateItem', fault: 'lost-answer', nth: 1 },
        returned: 2,
        domainFree: false,
      },
      {
        name: 'throttled past retries: no take is sent, the item and its domain stay free',
        fault: { operation: 'UpdateItem', fault: 'throttle', nth: 1 },
        returned: 2,
        domainFree: true,
      },
    ]
    it.each(cases)('$name', async ({ fault, returned, domainFree }) => {
      const { runId, itemIds, first } = await threeDomains(env.clean)
      env.faults.inject(fault)
      const got = await env.backend.claimFrontierItems(runId, { workerId: 'w1', ...POLITE })
      env.faults.clear()
      expect(got).toHaveLength(returned)
      expect(got.every((i) => i.status === 'in_progress' && i.workerId === 'w1')).toBe(true)
      // Another process, polite too: the first domain is claimable exactly when its write did not land.
      const other = createStorageBackend(env.config)
      try {
        const polite = await other.claimFrontierItems(runId, { workerId: 'w2', ...POLITE })
        expect(ids(polite)).toEqual(domainFree ? [first] : [])
        // Nothing stranded, nothing claimed twice: every item is w1's, w2's, or claimable.
        const rest = await other.claimFrontierItems(runId, { workerId: 'sweeper', limit: 100 })
        expect([...ids(got), ...ids(polite), ...ids(rest)].sort()).toEqual(itemIds)
      } finally {
        await other.close()
      }
    })

    it('a claim whose every politeness write fails throws, and leaves every item pending', async () => {
      const { runId, itemIds } = await threeDomains(env.clean)
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle' })
      await expect(
        env.backend.claimFrontierItems(runId, { workerId: 'w1', ...POLITE }),
      ).rejects.toMatchObject({
        code: 'CAPACITY',
      })
      env.faults.clear()
      const pending = await env.clean.getFrontierItems(runId, { status: 'pending' })
      expect(ids(pending.items)).toEqual(itemIds)
    })
  })
})
