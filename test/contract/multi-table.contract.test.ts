import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { createStorageBackend, ValidationError } from '../../src/index.js'
import { ENGINES, engineAvailable, useBackend } from '../support/engines.js'
import { collectAll, frontierItem, page, site, version } from '../support/fixtures.js'

describe.each(ENGINES.map((engine) => ({ engine })))('multi-table specifics — $engine', ({ engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, 'multi-table')
    const raw = () =>
      new DynamoDBClient({
        endpoint: ctx.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
      })
    const prefix = () => String(ctx.config.backend?.tablePrefix)

    it('creates exactly the documented key schemas and GSIs', async () => {
      const client = raw()
      const describeKeys = async (name: string) => {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: `${prefix()}${name}` }))
        return {
          keys: Table?.KeySchema?.map((k) => `${k.KeyType}:${k.AttributeName}`),
          gsis: Object.fromEntries(
            (Table?.GlobalSecondaryIndexes ?? []).map((g) => [
              g.IndexName,
              g.KeySchema?.map((k) => `${k.KeyType}:${k.AttributeName}`),
            ]),
          ),
        }
      }
      expect(await describeKeys('sites')).toEqual({ keys: ['HASH:site_id'], gsis: {} })
      expect(await describeKeys('runs')).toEqual({
        keys: ['HASH:site_id', 'RANGE:run_id'],
        gsis: {
          'run_id-index': ['HASH:run_id'],
          'site_id-created_at-index': ['HASH:site_id', 'RANGE:created_at'],
        },
      })
      expect(await describeKeys('pages')).toEqual({
        keys: ['HASH:site_id', 'RANGE:page_id'],
        gsis: {
          'url-index': ['HASH:url'],
          'site_id-last_crawled-index': ['HASH:site_id', 'RANGE:last_crawled'],
          'site_id-change_marker-index': ['HASH:site_id', 'RANGE:change_marker'],
        },
      })
      expect(await describeKeys('versions')).toEqual({
        keys: ['HASH:page_id', 'RANGE:version_id'],
        gsis: { 'site_id-version_id-index': ['HASH:site_id', 'RANGE:version_id'] },
      })
      expect(await describeKeys('frontier')).toEqual({
        keys: ['HASH:run_id', 'RANGE:item_id'],
        gsis: {
          'run_id-priority-index': ['HASH:run_id', 'RANGE:priority'],
          'run_id-queue_key-index': ['HASH:run_id', 'RANGE:queue_key'],
          'run_status-queue_order-index': ['HASH:run_status', 'RANGE:queue_order'],
          'site_id-item_id-index': ['HASH:site_id', 'RANGE:item_id'],
        },
      })
      client.destroy()
    })

    it('reads through another instance what one instance wrote', async () => {
      const s = await ctx.backend.saveSite(site())
      const p = await ctx.backend.savePage(page(s.siteId, 'https://example.com/shared', { etag: 'e' }))
      const v = await ctx.backend.saveVersion(version(p))
      const other = createStorageBackend(ctx.config)
      expect(await other.getSite(s.siteId)).toEqual(s)
      expect(await other.getPage(s.siteId, p.pageId)).toEqual(p)
      expect(await other.getVersion(p.pageId, v.versionId)).toEqual(v)
      expect(await other.countPages(s.siteId)).toBe(1)
      await other.close()
    })

    it('reads items written by another tool with only documented keys and snake_case fields', async () => {
      const client = raw()
      const put = (table: string, item: Record<string, unknown>) =>
        client.send(new PutItemCommand({ TableName: `${prefix()}${table}`, Item: marshallPlain(item) }))
      await put('sites', {
        site_id: 'ext-site',
        name: 'External',
        seeds: ['https://ext/'],
        created_at: '2026-01-01T00:00:00Z',
      })
      await put('runs', {
        site_id: 'ext-site',
        run_id: 'ext-run',
        status: 'completed',
        created_at: '2026-01-02T00:00:00+00:00',
        stats: { pages_crawled: 3 },
      })
      await put('pages', {
        site_id: 'ext-site',
        page_id: 'ext-page',
        url: 'https://ext/a',
        current_version_id: 'ext-v',
        first_seen: '2026-01-01T00:00:00Z',
        last_seen: '2026-01-01T00:00:00.123Z',
        depth: 0,
      })
      await put('versions', {
        page_id: 'ext-page',
        version_id: 'ext-v',
        site_id: 'ext-site',
        run_id: 'ext-run',
        markdown: '# ext',
        content_hash: 'h',
        url: 'https://ext/a',
        status_code: 200,
        crawled_at: '2026-01-01T00:00:00Z',
        outlinks: ['https://ext/b'],
      })
      await put('frontier', {
        run_id: 'ext-run',
        item_id: 'ext-item',
        site_id: 'ext-site',
        url: 'https://ext/c',
        normalized_url: 'https://ext/c',
        url_hash: 'x',
        depth: 1,
        priority: 2,
        status: 'pending',
        domain: 'ext',
        discovered_at: '2026-01-01T00:00:00Z',
      })
      expect((await ctx.backend.getSite('ext-site'))?.createdAt.toISOString()).toBe(
        '2026-01-01T00:00:00.000Z',
      )
      expect((await ctx.backend.listSites()).items.map((s) => s.siteId)).toContain('ext-site')
      expect(await ctx.backend.getRun('ext-run')).toMatchObject({
        status: 'completed',
        stats: { pagesCrawled: 3 },
      })
      expect((await ctx.backend.listRuns('ext-site')).items).toHaveLength(1)
      expect((await ctx.backend.getLatestRun('ext-site'))?.runId).toBe('ext-run')
      const p = await ctx.backend.getPage('ext-site', 'ext-page')
      expect(p).toMatchObject({ revision: 0, isTombstone: false, url: 'https://ext/a' })
      expect((await ctx.backend.getPageByUrl('ext-site', 'https://ext/a'))?.pageId).toBe('ext-page')
      expect((await ctx.backend.listPages('ext-site')).items).toHaveLength(1)
      expect((await ctx.backend.getPagesNeedingRecrawl('ext-site')).items.map((x) => x.pageId)).toEqual([
        'ext-page',
      ])
      expect((await ctx.backend.getVersion('ext-page', 'ext-v'))?.outlinks).toEqual(['https://ext/b'])
      expect((await ctx.backend.getCurrentVersion('ext-page'))?.versionId).toBe('ext-v')
      expect((await ctx.backend.listVersions('ext-page')).items).toHaveLength(1)
      expect(
        (await ctx.backend.getFrontierItems('ext-run', { status: 'pending' })).items.map((i) => i.itemId),
      ).toEqual(['ext-item'])
      const [claimed] = await ctx.backend.claimFrontierItems('ext-run', { workerId: 'w' })
      expect(claimed?.itemId).toBe('ext-item')
      const saved = await ctx.backend.savePage(p!, { expectedRevision: 0 })
      expect(saved.revision).toBe(1)
      client.destroy()
    })

    it('stores a URL longer than the index-key limit and finds it', async () => {
      const s = await ctx.backend.saveSite(site())
      const url = `https://example.com/${'ü'.repeat(1500)}`
      const p = await ctx.backend.savePage(page(s.siteId, url))
      expect((await ctx.backend.getPageByUrl(s.siteId, url))?.pageId).toBe(p.pageId)
      expect((await ctx.backend.getPage(s.siteId, p.pageId))?.url).toBe(url)
    })

    it('orders the frontier by priority then discoveredAt across priority groups and pages', async () => {
      const runId = `run-${Date.now()}`
      const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
      const items = Array.from({ length: 23 }, (_, i) =>
        frontierItem(runId, 's', `https://e/${i}`, { priority: i % 3, discoveredAt: t(50 - i) }),
      )
      await ctx.backend.enqueueFrontierItems(items)
      const all = await collectAll((cursor) => ctx.backend.getFrontierItems(runId, { limit: 4, cursor }))
      const expected = [...items]
        .sort(
          (a, b) =>
            (b.priority ?? 0) - (a.priority ?? 0) ||
            (a.discoveredAt as Date).getTime() - (b.discoveredAt as Date).getTime(),
        )
        .map((i) => i.itemId)
      expect(all.items.map((i) => i.itemId)).toEqual(expected)
    })

    it('rejects bad input with the same ValidationError as single-table, writing nothing', async () => {
      const s = await ctx.backend.saveSite(site())
      const error = await ctx.backend
        .savePage({ ...page(s.siteId, 'https://e/x'), depth: -1 })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).paths).toEqual(['page.depth'])
      expect(await ctx.backend.countPages(s.siteId, { includeTombstones: true })).toBe(0)
    })
  })
})

/** Plain JSON → DynamoDB attribute values, as a tool without our library would write them. */
function marshallPlain(item: Record<string, unknown>): Record<string, never> {
  const convert = (value: unknown): unknown => {
    if (typeof value === 'string') return { S: value }
    if (typeof value === 'number') return { N: String(value) }
    if (typeof value === 'boolean') return { BOOL: value }
    if (Array.isArray(value)) return { L: value.map(convert) }
    return { M: Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(v)])) }
  }
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, convert(v)])) as Record<string, never>
}
