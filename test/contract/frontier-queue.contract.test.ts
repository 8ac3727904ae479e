import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { FRONTIER_INDEXES } from '../../src/entities/frontier.js'
import { createStorageBackend, type FrontierItemInput, newRunId, tableDefinitions } from '../../src/index.js'
import { ENGINES, engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { frontierItem } from '../support/fixtures.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))

describe.each(MATRIX)('frontier as a queue — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)

    it('never claims an item scheduled for later; once due it is claimed in queue order', async () => {
      const runId = newRunId()
      const due = new Date(Date.now() + 1_500)
      await ctx.backend.enqueueFrontierItems([
        frontierItem(runId, 's', 'https://e/later-high', {
          priority: 9,
          scheduledAt: due,
          discoveredAt: t(5),
        }),
        frontierItem(runId, 's', 'https://e/past', { priority: 2, scheduledAt: t(1), discoveredAt: t(2) }),
        frontierItem(runId, 's', 'https://e/mid', { priority: 5, discoveredAt: t(3) }),
        frontierItem(runId, 's', 'https://e/low', { priority: 1, discoveredAt: t(1) }),
        frontierItem(runId, 's', 'https://e/later-low', {
          priority: 0,
          scheduledAt: due,
          discoveredAt: t(0),
        }),
      ])
      const now = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 10, leaseSeconds: 60 })
      expect(now.map((i) => i.url.slice(10))).toEqual(['mid', 'past', 'low'])
      // A listing by status pending includes items scheduled for later, in queue order.
      const listed = await ctx.backend.getFrontierItems(runId, { status: 'pending' })
      expect(listed.items.map((i) => i.url.slice(10))).toEqual(['later-high', 'later-low'])
      await sleep(Math.max(0, due.getTime() - Date.now()) + 50)
      // Due now: a ready item enqueued meanwhile competes by priority with the due ones.
      await ctx.backend.enqueueFrontierItems([
        frontierItem(runId, 's', 'https://e/new-mid', { priority: 5, discoveredAt: t(9) }),
      ])
      const first = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 1, leaseSeconds: 60 })
      expect(first.map((i) => i.url.slice(10))).toEqual(['later-high'])
      const rest = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 10, leaseSeconds: 60 })
      expect(rest.map((i) => i.url.slice(10))).toEqual(['new-mid', 'later-low'])
    })

    it('a claim and a listing page cost the same requests with 0 or hundreds of finished, scheduled and leased items', async () => {
      const cost = async (work: () => Promise<unknown>) => {
        const before = ctx.backend.metrics().requests
        await work()
        return ctx.backend.metrics().requests - before
      }
      const measure = async (extra: (runId: string) => FrontierItemInput[]) => {
        const runId = newRunId()
        const pending = Array.from({ length: 12 }, (_, i) =>
          frontierItem(runId, 's', `https://e/p${i}`, { priority: i % 3, discoveredAt: t(i) }),
        )
        await ctx.backend.enqueueFrontierItems([...pending, ...extra(runId)])
        return {
          listing: await cost(() => ctx.backend.getFrontierItems(runId, { status: 'pending', limit: 5 })),
          claim: await cost(() => ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 5 })),
        }
      }
      const empty = await measure(() => [])
      const crowded = await measure((runId) => [
        // Ahead of the pending items by priority: finished, scheduled for later, leased.
        ...Array.from({ length: 150 }, (_, i) =>
          frontierItem(runId, 's', `https://e/done${i}`, { priority: 10, status: 'completed' }),
        ),
        ...Array.from({ length: 150 }, (_, i) =>
          frontierItem(runId, 's', `https://e/later${i}`, {
            priority: 10,
            scheduledAt: new Date(Date.now() + 3_600_000),
          }),
        ),
        ...Array.from({ length: 150 }, (_, i) =>
          frontierItem(runId, 's', `https://e/leased${i}`, {
            priority: 10,
            status: 'in_progress',
            workerId: 'other',
            leaseExpiresAt: new Date(Date.now() + 3_600_000),
          }),
        ),
      ])
      expect(crowded).toEqual(empty)
      expect(empty.claim).toBeLessThanOrEqual(5 + 3)
      expect(empty.listing).toBeLessThanOrEqual(3)
    })

    it('domainIntervalMs: a domain claimed lately is passed over, other domains are claimed', async () => {
      const runId = newRunId()
      await ctx.backend.enqueueFrontierItems([
        frontierItem(runId, 's', 'https://a/1', { domain: 'a', priority: 3 }),
        frontierItem(runId, 's', 'https://a/2', { domain: 'a', priority: 2 }),
        frontierItem(runId, 's', 'https://b/1', { domain: 'b', priority: 1 }),
      ])
      const options = { limit: 10, leaseSeconds: 60, domainIntervalMs: 60_000 }
      const first = await ctx.backend.claimFrontierItems(runId, { workerId: 'w1', ...options })
      expect(first.map((i) => i.url)).toEqual(['https://a/1', 'https://b/1'])
      // Another backend (another process's view): nothing of a or b is due.
      const other = createStorageBackend(ctx.config)
      try {
        expect(await other.claimFrontierItems(runId, { workerId: 'w2', ...options })).toEqual([])
        // Claims without the option are neither held back nor counted.
        const free = await other.claimFrontierItems(runId, { workerId: 'w2', limit: 10 })
        expect(free.map((i) => i.url)).toEqual(['https://a/2'])
      } finally {
        await other.close()
      }
    })
  })
})

describe.each(ENGINES.map((engine) => ({ engine })))(
  'multi-table queue with another tool’s items — $engine',
  ({ engine }) => {
    describe.skipIf(!engineAvailable(engine))('', () => {
      const ctx = useBackend(engine, 'multi-table')

      it('items written with only the documented attributes are listed by status and claimable', async () => {
        const client = DynamoDBDocumentClient.from(
          new DynamoDBClient({
            endpoint: ctx.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
          }),
        )
        const runId = newRunId()
        const documented = (n: number, priority: number) => ({
          run_id: runId,
          item_id: `ext-${n}`,
          site_id: 's',
          url: `https://ext/${n}`,
          normalized_url: `https://ext/${n}`,
          url_hash: `h${n}`,
          depth: 0,
          priority,
          status: 'pending',
          retry_count: 0,
          discovered_at: '2026-01-01T00:00:00+00:00',
          domain: 'ext',
        })
        const table = `${ctx.config.backend?.tablePrefix}frontier`
        for (const [n, p] of [
          [1, 1],
          [2, 7],
        ] as const)
          await client.send(new PutCommand({ TableName: table, Item: documented(n, p) }))
        await ctx.backend.enqueueFrontierItems([frontierItem(runId, 's', 'https://own/1', { priority: 5 })])
        const listed = await ctx.backend.getFrontierItems(runId, { status: 'pending' })
        expect(listed.items.map((i) => i.itemId).sort()).toEqual(
          ['ext-1', 'ext-2', frontierItem(runId, 's', 'https://own/1').itemId].sort(),
        )
        const claimed = await ctx.backend.claimFrontierItems(runId, { workerId: 'w', limit: 10 })
        expect(claimed.map((i) => i.itemId)).toEqual([
          'ext-2',
          frontierItem(runId, 's', 'https://own/1').itemId,
          'ext-1',
        ])
        const done = await ctx.backend.updateFrontierStatus(runId, 'ext-2', 'completed', { workerId: 'w' })
        expect(done.status).toBe('completed')
        const completed = await ctx.backend.getFrontierItems(runId, { status: 'completed' })
        expect(completed.items.map((i) => i.itemId)).toEqual(['ext-2'])
      })

      it('on tables created before the 0.2 frontier indexes, lists and claims the 0.1 way', async () => {
        const client = new DynamoDBClient({
          endpoint: ctx.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
        })
        const tablePrefix = `${ctx.config.backend?.tablePrefix}old_`
        const added: string[] = [FRONTIER_INDEXES.byQueue, FRONTIER_INDEXES.byStatus]
        for (const definition of tableDefinitions({ backend: { layout: 'multi-table', tablePrefix } })) {
          const indexes = (definition.GlobalSecondaryIndexes ?? []).filter(
            (i) => !added.includes(i.IndexName!),
          )
          await client.send(
            new CreateTableCommand({
              ...definition,
              GlobalSecondaryIndexes: indexes.length > 0 ? indexes : undefined,
              AttributeDefinitions: definition.AttributeDefinitions?.filter((a) =>
                [...(definition.KeySchema ?? []), ...indexes.flatMap((i) => i.KeySchema ?? [])].some(
                  (k) => k.AttributeName === a.AttributeName,
                ),
              ),
            }),
          )
        }
        const old = createStorageBackend({
          backend: { endpointUrl: ctx.endpoint, layout: 'multi-table', tablePrefix },
        })
        try {
          const runId = newRunId()
          await old.enqueueFrontierItems([
            frontierItem(runId, 's', 'https://e/1', { priority: 1 }),
            frontierItem(runId, 's', 'https://e/2', { priority: 2 }),
          ])
          expect((await old.getFrontierItems(runId, { status: 'pending' })).items.map((i) => i.url)).toEqual([
            'https://e/2',
            'https://e/1',
          ])
          const got = await old.claimFrontierItems(runId, { workerId: 'w', limit: 5 })
          expect(got.map((i) => i.url)).toEqual(['https://e/2', 'https://e/1'])
        } finally {
          await old.close()
          client.destroy()
        }
      })
    })
  },
)
