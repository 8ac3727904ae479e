import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { spawnTsx } from '../../bench/support/tsx-child.js'
import { newRunId } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { frontierItem } from '../support/fixtures.js'

const CHILD = fileURLToPath(new URL('../support/claim-child.ts', import.meta.url))
const INTERVAL_MS = 150
const DOMAINS = ['a.example', 'b.example', 'c.example']

describe.each(MATRIX)('domainIntervalMs across processes — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('4 processes claiming one run never claim a domain twice within the interval', async () => {
      const runId = newRunId()
      const items = DOMAINS.flatMap((domain) =>
        Array.from({ length: 6 }, (_, i) =>
          frontierItem(runId, 's', `https://${domain}/${i}`, { domain, priority: i % 2 }),
        ),
      )
      await ctx.backend.enqueueFrontierItems(items)
      const startAt = Date.now() + 4_000
      const children = Array.from({ length: 4 }, (_, i) =>
        spawnTsx(CHILD, {
          config: ctx.config,
          runId,
          workerId: `p${i}`,
          domainIntervalMs: INTERVAL_MS,
          startAt,
        }),
      )
      try {
        const reports = await Promise.all(
          children.map((c) => c.next<{ claims: { itemId: string; domain: string; at: number }[] }>(120_000)),
        )
        const claims = reports.flatMap((r) => r.claims)
        // Every item claimed exactly once, by some process.
        expect(claims.map((c) => c.itemId).sort()).toEqual(items.map((i) => i.itemId!).sort())
        for (const domain of DOMAINS) {
          const instants = claims
            .filter((c) => c.domain === domain)
            .map((c) => c.at)
            .sort((a, b) => a - b)
          const gaps = instants.slice(1).map((at, i) => at - instants[i]!)
          expect(Math.min(...gaps), `${domain}: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(INTERVAL_MS)
        }
      } finally {
        await Promise.all(children.map((c) => c.stop()))
      }
    }, 180_000)
  })
})
