import { describe, expect, it } from 'vitest'
import { newRunId } from '../../src/index.js'
import { ENGINES, engineAvailable, useBackend } from '../support/engines.js'
import { collectAll, frontierItem } from '../support/fixtures.js'

describe.each(ENGINES.map((engine) => ({ engine })))(
  'frontier spread over 4 shards (single-table) — $engine',
  ({ engine }) => {
    describe.skipIf(!engineAvailable(engine))('', () => {
      const ctx = useBackend(engine, 'single-table', { frontierShards: 4 })

      it('lists every item once, merged across shards in queue order', async () => {
        const runId = newRunId()
        const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
        const items = Array.from({ length: 57 }, (_, i) =>
          frontierItem(runId, 's', `https://e/${i}`, { priority: i % 4, discoveredAt: t(i % 9) }),
        )
        await ctx.backend.enqueueFrontierItems(items)
        const all = await collectAll((cursor) => ctx.backend.getFrontierItems(runId, { limit: 10, cursor }))
        expect(all.emptyPagesWithCursor).toBe(0)
        const order = (x: { priority?: number; discoveredAt?: unknown; itemId: string }) =>
          [-(x.priority ?? 0), (x.discoveredAt as Date).getTime(), x.itemId] as const
        const sorted = [...items].sort((a, b) => {
          const [p1, d1, i1] = order(a)
          const [p2, d2, i2] = order(b)
          return p1 - p2 || d1 - d2 || (i1 < i2 ? -1 : i1 > i2 ? 1 : 0)
        })
        expect(all.items.map((i) => i.itemId)).toEqual(sorted.map((i) => i.itemId))
        const pending = await collectAll((cursor) =>
          ctx.backend.getFrontierItems(runId, { status: 'pending', limit: 7, cursor }),
        )
        expect(pending.items).toHaveLength(57)
      })

      it('hands every item to exactly one of 4 concurrent claimers', async () => {
        const runId = newRunId()
        await ctx.backend.enqueueFrontierItems(
          Array.from({ length: 80 }, (_, i) => frontierItem(runId, 's', `https://e/c${i}`)),
        )
        const seen = new Set<string>()
        let duplicates = 0
        await Promise.all(
          Array.from({ length: 4 }, async (_, w) => {
            for (;;) {
              const got = await ctx.backend.claimFrontierItems(runId, { workerId: `w${w}`, limit: 6 })
              if (got.length === 0) return
              for (const item of got) {
                if (seen.has(item.itemId)) duplicates++
                seen.add(item.itemId)
              }
            }
          }),
        )
        expect(duplicates).toBe(0)
        expect(seen.size).toBe(80)
      })
    })
  },
)
