import { describe, expect, it } from 'vitest'
import { type FrontierItemInput, newRunId } from '../../src/index.js'
import { shardOf } from '../../src/keys/key-part.js'
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

      it('a claim goes shard by shard from the home shard, in each pending items then expired leases; returns queue order', async () => {
        const runId = newRunId()
        const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
        const pending = Array.from({ length: 12 }, (_, i) =>
          frontierItem(runId, 's', `https://e/p${i}`, { priority: i % 3, discoveredAt: t(i) }),
        )
        const expired = Array.from({ length: 6 }, (_, i) =>
          frontierItem(runId, 's', `https://e/x${i}`, {
            priority: 100 + i,
            status: 'in_progress',
            workerId: 'gone',
            leaseExpiresAt: new Date(Date.now() - 60_000),
          }),
        )
        await ctx.backend.enqueueFrontierItems([...pending, ...expired])
        const workerId = 'order-w'
        const home = shardOf(workerId, 4)
        const queueOrder = (a: FrontierItemInput, b: FrontierItemInput) =>
          (b.priority ?? 0) - (a.priority ?? 0) ||
          (a.discoveredAt as Date).getTime() - (b.discoveredAt as Date).getTime() ||
          (a.itemId! < b.itemId! ? -1 : 1)
        const inShardOrder = (items: FrontierItemInput[]) =>
          [0, 1, 2, 3].flatMap((i) =>
            items.filter((item) => shardOf(item.itemId!, 4) === (home + i) % 4).sort(queueOrder),
          )
        // Shard by shard from the home shard (one claim Query each): its pending items in queue
        // order, then its expired leases.
        const byShard = [0, 1, 2, 3].flatMap((i) => {
          const inShard = (item: FrontierItemInput) => shardOf(item.itemId!, 4) === (home + i) % 4
          return [...pending.filter(inShard).sort(queueOrder), ...expired.filter(inShard).sort(queueOrder)]
        })
        const expected = byShard.slice(0, 13).sort(queueOrder)
        const got = await ctx.backend.claimFrontierItems(runId, { workerId, limit: 13 })
        expect(got.map((i) => i.itemId)).toEqual(expected.map((i) => i.itemId))
        // A claim of fewer than a shard holds takes the home shard's best, not the run's best.
        const runId2 = newRunId()
        const spread = pending.map((item) => ({ ...item, runId: runId2 }))
        await ctx.backend.enqueueFrontierItems(spread)
        const first = inShardOrder(spread).slice(0, 2).sort(queueOrder)
        const two = await ctx.backend.claimFrontierItems(runId2, { workerId, limit: 2 })
        expect(two.map((i) => i.itemId)).toEqual(first.map((i) => i.itemId))
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
