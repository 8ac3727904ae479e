import {
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { operationName } from '../../src/engine/transport.js'
import {
  CapacityError,
  ConflictError,
  createStorageBackend,
  newVersionId,
  type PageInput,
  type PageVersionInput,
  pageIdFor,
  type StorageBackend,
} from '../../src/index.js'
import { type BatchWrite, batchWrite } from '../../src/services/plumbing/batch.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { engineAvailable, LAYOUTS, type LayoutName, MATRIX } from '../support/engines.js'
import { type FaultProxy, type FaultRates, startFaultProxy } from '../support/fault-proxy.js'
import { collectAll, page, site } from '../support/fixtures.js'

/**
 * The write paths under injected faults: dynalite behind a fault proxy that throttles, answers
 * 500, drops connections (before the engine sees the request, or after it applied it: a lost
 * answer the SDK replays) and leaves BatchWriteItem items unprocessed. Bulk saves either complete
 * (everything reads back) or throw CapacityError naming every record left unsaved; a replayed page
 * save or counter update is recognised as already applied.
 */

/** 10% of data requests faulted (throttle, 500, dropped), and 2.5% of BatchWriteItem items held back. */
const MIXED: FaultRates = { throttle: 0.034, serverError: 0.033, dropConnection: 0.033, unprocessed: 0.025 }
const BULK = 2_000

let engine: EmbeddedEngine
const opened: { backend?: StorageBackend; proxy?: FaultProxy; clients: DynamoDBClient[] }[] = []

beforeAll(async () => {
  engine = await startLocalEngine()
})

afterAll(async () => {
  for (const { backend, proxy, clients } of opened) {
    await backend?.close()
    for (const client of clients) client.destroy()
    await proxy?.stop()
  }
  await engine?.stop()
})

/** A backend behind a fresh proxy: tables created fault-free, then `rates` switched on. */
async function faultyBackend(
  rates: FaultRates,
  options: { maxAttempts: number; seed: number; operations?: string[]; layout?: LayoutName },
) {
  const proxy = await startFaultProxy({
    target: engine.endpoint,
    rates: {},
    seed: options.seed,
    ...(options.operations ? { operations: options.operations } : {}),
  })
  const backend = createStorageBackend({
    backend: {
      endpointUrl: proxy.endpoint,
      tablePrefix: uniqueTablePrefix('faults'),
      maxAttempts: options.maxAttempts,
      ...(options.layout ? { layout: options.layout } : {}),
    },
  })
  opened.push({ backend, proxy, clients: [] })
  await backend.initialize()
  proxy.setRates(rates)
  return { backend, proxy }
}

function pagesOf(siteId: string, count: number): PageInput[] {
  const at = new Date('2026-01-01T00:00:00.000Z')
  return Array.from({ length: count }, (_, i) => {
    const url = `https://example.com/docs/${i}?q=${i % 7}`
    return { pageId: pageIdFor(siteId, url), siteId, url, firstSeen: at, lastSeen: at, depth: i % 5 }
  })
}

function versionsOf(pages: PageInput[], perPage: number): PageVersionInput[] {
  return pages.flatMap((p) =>
    Array.from({ length: perPage }, (_, n) => ({
      versionId: newVersionId(),
      pageId: p.pageId,
      siteId: p.siteId,
      runId: 'run-faults',
      url: p.url,
      markdown: `# ${p.url}\n\nversion ${n}`,
      contentHash: `hash-${p.pageId}-${n}`,
      statusCode: 200,
      crawledAt: new Date(Date.UTC(2026, 0, 2, 0, 0, n)),
    })),
  )
}

/** Runs `work` over `items` with `lanes` in flight. */
async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

const faultCount = (proxy: FaultProxy) =>
  proxy.stats.throttle + proxy.stats.serverError + proxy.stats.dropConnection + proxy.stats.unprocessed

describe('bulk saves under 10% mixed faults (throttle, 500, dropped, unprocessed)', () => {
  it(`savePagesBulk of ${BULK} pages completes and every page reads back exactly once`, async () => {
    const { backend, proxy } = await faultyBackend(MIXED, { maxAttempts: 8, seed: 101 })
    const siteId = 'site-faulty-pages'
    const pages = pagesOf(siteId, BULK)

    expect(await backend.savePagesBulk(pages)).toBe(BULK)
    const injected = faultCount(proxy)
    expect(proxy.stats.throttle).toBeGreaterThan(0)
    expect(proxy.stats.serverError).toBeGreaterThan(0)
    expect(proxy.stats.dropConnection).toBeGreaterThan(0)

    // Reads run through the same faults.
    expect(await backend.countPages(siteId)).toBe(BULK)
    const listed = await collectAll((cursor) => backend.listPages(siteId, { limit: 250, cursor }))
    expect(listed.emptyPagesWithCursor).toBe(0)
    expect(listed.items).toHaveLength(BULK)
    expect(new Set(listed.items.map((p) => p.pageId))).toEqual(new Set(pages.map((p) => p.pageId)))
    // Each page was written once: a retried write never applied twice.
    expect(listed.items.every((p) => p.revision === 1)).toBe(true)
    for (const i of [0, 1, 499, 1_000, 1_337, BULK - 1]) {
      const expected = pages[i]!
      const got = await backend.getPage(siteId, expected.pageId)
      expect(got).toMatchObject({
        pageId: expected.pageId,
        url: expected.url,
        depth: expected.depth,
        revision: 1,
      })
    }
    console.info(`pages: ${injected} faults during the bulk save`, proxy.stats)
  })

  it(`saveVersionsBulk of ${BULK} versions completes and every version reads back`, async () => {
    const { backend, proxy } = await faultyBackend(MIXED, { maxAttempts: 8, seed: 202 })
    const pages = pagesOf('site-faulty-versions', BULK / 10)
    const versions = versionsOf(pages, 10)

    expect(await backend.saveVersionsBulk(versions)).toBe(BULK)
    const injected = faultCount(proxy)
    expect(proxy.stats.unprocessed).toBeGreaterThan(0)
    expect(proxy.stats.throttle + proxy.stats.serverError + proxy.stats.dropConnection).toBeGreaterThan(0)

    const byPage = new Map<string, string[]>()
    await inLanes(pages, 8, async (p) => {
      const listed = await collectAll((cursor) => backend.listVersions(p.pageId, { limit: 6, cursor }))
      expect(listed.emptyPagesWithCursor).toBe(0)
      byPage.set(
        p.pageId,
        listed.items.map((v) => v.versionId),
      )
    })
    for (const p of pages) {
      const expected = versions
        .filter((v) => v.pageId === p.pageId)
        .map((v) => v.versionId)
        .sort()
        .reverse()
      expect(byPage.get(p.pageId)).toEqual(expected) // newest first, each exactly once
    }
    for (const i of [0, 9, 10, 777, 1_500, BULK - 1]) {
      const expected = versions[i]!
      const got = await backend.getVersion(expected.pageId, expected.versionId)
      expect(got).toMatchObject({
        versionId: expected.versionId,
        markdown: expected.markdown,
        contentHash: expected.contentHash,
      })
    }
    const newest = byPage.get(pages[3]!.pageId)![0]
    await backend.savePage({ ...pages[3]!, currentVersionId: newest })
    expect((await backend.getCurrentVersion(pages[3]!.pageId))?.versionId).toBe(newest)
    console.info(`versions: ${injected} faults during the bulk save`, proxy.stats)
  })
})

describe('bulk saves when the faults outlive the retries', () => {
  it('saveVersionsBulk with every BatchWriteItem item unprocessed throws CapacityError naming every versionId', async () => {
    const { backend, proxy } = await faultyBackend({ unprocessed: 1 }, { maxAttempts: 2, seed: 303 })
    // One BatchWriteItem chunk: its 10 rounds of backoff take ~5.6 s on average.
    const versions = versionsOf(pagesOf('site-unprocessed', 5), 5)

    const error = await backend.saveVersionsBulk(versions).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CapacityError)
    const capacity = error as CapacityError
    expect(capacity.code).toBe('CAPACITY')
    const ids = versions.map((v) => v.versionId)
    expect([...capacity.unprocessed].sort()).toEqual([...ids].sort())
    for (const id of ids) expect(capacity.message).toContain(id)
    expect(proxy.stats.unprocessedItems).toBeGreaterThanOrEqual(versions.length)

    proxy.setRates({})
    for (const v of versions.slice(0, 5)) expect(await backend.getVersion(v.pageId, v.versionId)).toBeNull()
  })

  it('savePagesBulk with every UpdateItem throttled throws CapacityError naming every pageId', async () => {
    const { backend, proxy } = await faultyBackend(
      { throttle: 1 },
      { maxAttempts: 2, seed: 404, operations: ['UpdateItem'] },
    )
    const siteId = 'site-throttled'
    const pages = pagesOf(siteId, 40)

    const error = await backend.savePagesBulk(pages).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CapacityError)
    const capacity = error as CapacityError
    const ids = pages.map((p) => p.pageId)
    expect([...capacity.unprocessed].sort()).toEqual([...ids].sort())
    for (const id of ids) expect(capacity.message).toContain(id)
    expect(proxy.stats.byOperation.UpdateItem).toBe(pages.length * 2) // maxAttempts: 2 per page

    proxy.setRates({})
    expect(await backend.countPages(siteId, { includeTombstones: true })).toBe(0)
    expect(await backend.getPage(siteId, ids[0]!)).toBeNull()
  })
})

describe('healthCheck when every connection is dropped', () => {
  it('answers false within a few seconds and does not throw', async () => {
    const proxy = await startFaultProxy({
      target: engine.endpoint,
      rates: { dropConnection: 1 },
      operations: ['DescribeTable', 'ListTables', 'GetItem', 'TransactGetItems', 'UpdateTimeToLive'],
    })
    const backend = createStorageBackend({
      backend: { endpointUrl: proxy.endpoint, tablePrefix: uniqueTablePrefix('health') },
    })
    opened.push({ backend, proxy, clients: [] })

    const started = Date.now()
    const healthy = await backend.healthCheck()
    const elapsed = Date.now() - started
    expect(healthy).toBe(false)
    expect(elapsed).toBeLessThan(5_000)
    expect(proxy.stats.dropConnection).toBeGreaterThan(0)
    expect(proxy.stats.forwarded).toBe(0)
    console.info(`healthCheck: false after ${elapsed} ms, ${proxy.stats.dropConnection} connections dropped`)
  })
})

describe('batchWrite through the proxy', () => {
  const clientConfig = (endpoint: string, maxAttempts: number): DynamoDBClientConfig => ({
    endpoint,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })

  async function setup(rates: FaultRates, seed: number) {
    const proxy = await startFaultProxy({ target: engine.endpoint, rates: {}, seed })
    const viaProxy = new DynamoDBClient(clientConfig(proxy.endpoint, 3))
    const direct = new DynamoDBClient(clientConfig(engine.endpoint, 1))
    opened.push({ proxy, clients: [viaProxy, direct] })
    const table = `${uniqueTablePrefix('batch')}items`
    await direct.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    )
    proxy.setRates(rates)
    const read = async (pk: string, sk: string) =>
      (await direct.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } })))
        .Item
    return { proxy, viaProxy, table, read }
  }

  const put = (table: string, pk: string, sk: string, n: number): BatchWrite => ({
    table,
    key: { pk, sk },
    item: { pk, sk, n, body: `item ${pk}/${sk}` },
    id: `${pk}/${sk}`,
  })

  it('retries unprocessed puts and deletes until every one is written', async () => {
    const { proxy, viaProxy, table, read } = await setup({ unprocessed: 0.4 }, 505)
    // Keys that differ only in the sort key, or only in case, must be matched back exactly.
    const first = Array.from({ length: 150 }, (_, i) => put(table, `p${i % 10}`, `S${i}`, i))
    const twins = Array.from({ length: 50 }, (_, i) => put(table, `p${i % 10}`, `s${i}`, 1_000 + i))
    await batchWrite(viaProxy, [...first, ...twins], { maxRetries: 20 })
    const heldAfterPuts = proxy.stats.unprocessedItems
    expect(heldAfterPuts).toBeGreaterThan(0)

    // Deletes of half the first batch, mixed with rewrites of the other half.
    const deletes = first.slice(0, 75).map((w) => ({ table, key: w.key, id: w.id }))
    const rewrites = first.slice(75).map((w, i) => put(table, String(w.key.pk), String(w.key.sk), -i))
    await batchWrite(viaProxy, [...deletes, ...rewrites], { maxRetries: 20 })
    expect(proxy.stats.unprocessedItems).toBeGreaterThan(heldAfterPuts)

    for (const w of deletes) expect(await read(String(w.key.pk), String(w.key.sk))).toBeUndefined()
    for (const [i, w] of rewrites.entries()) {
      expect((await read(String(w.key.pk), String(w.key.sk)))?.n).toEqual({ N: String(-i) })
    }
    for (const w of twins) {
      expect((await read(String(w.key.pk), String(w.key.sk)))?.n).toEqual({ N: String(w.item!.n) })
    }
    console.info('batchWrite: unprocessed retried', proxy.stats)
  })

  it('survives throttles, 500s, dropped connections and lost answers beyond the SDK retries', async () => {
    const { proxy, viaProxy, table, read } = await setup(
      { throttle: 0.1, serverError: 0.1, dropConnection: 0.1, dropResponse: 0.1, unprocessed: 0.1 },
      606,
    )
    const writes = Array.from({ length: 250 }, (_, i) => put(table, `q${i % 7}`, `k${i}`, i))
    await batchWrite(viaProxy, writes, { maxRetries: 20, concurrency: 4 })
    expect(proxy.stats.dropResponse).toBeGreaterThan(0) // replays of a BatchWriteItem are harmless
    for (const w of writes) {
      expect((await read(String(w.key.pk), String(w.key.sk)))?.n).toEqual({ N: String(w.item!.n) })
    }
    console.info('batchWrite: mixed faults', proxy.stats)
  })

  it('throws CapacityError naming exactly the writes left unprocessed', async () => {
    const { viaProxy, table, read } = await setup({ unprocessed: 1 }, 707)
    const writes = Array.from({ length: 30 }, (_, i) => put(table, 'r', `k${i}`, i))
    const error = await batchWrite(viaProxy, writes, { maxRetries: 2, idLabel: 'thingId' }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(CapacityError)
    expect([...(error as CapacityError).unprocessed].sort()).toEqual(writes.map((w) => w.id).sort())
    expect((error as CapacityError).message).toContain('thingIds')
    expect(await read('r', 'k0')).toBeUndefined()
  })
})

describe.each(LAYOUTS.map((layout) => ({ layout })))(
  'page saves when an answer is lost after the write — $layout',
  ({ layout }) => {
    // The engine applies the UpdateItem, the proxy drops the connection before the answer, and the
    // SDK sends the same request again. Saves and counter updates carry a write token and are
    // conditional on it, so the replay is recognised as already applied (it used to bump the page to
    // revision 2 and leave it uncounted). BatchWriteItem puts and deletes are idempotent anyway.
    it('each page is counted once and saved at revision 1', async () => {
      const { backend, proxy } = await faultyBackend(
        { dropResponse: 0.05 },
        { maxAttempts: 8, seed: 808, layout },
      )
      const siteId = 'site-lost-answers'
      const pages = pagesOf(siteId, 300)
      const bulk = pages.slice(0, 200)
      const single = pages.slice(200)
      // Bulk saves (one counter update per call) and single saves in lanes (counter updates of one
      // writer coalesced while one is in flight), at the same time.
      const [saved] = await Promise.all([
        backend.savePagesBulk(bulk),
        inLanes(single, 8, async (p) => {
          expect((await backend.savePage(p, { expectedRevision: 0 })).revision).toBe(1)
        }),
      ])
      expect(saved).toBe(bulk.length)
      proxy.setRates({})
      const lost = proxy.stats.dropResponse
      expect(lost).toBeGreaterThan(5)
      expect(await backend.countPages(siteId)).toBe(pages.length)
      expect(await backend.countPages(siteId, { includeTombstones: true })).toBe(pages.length)
      const listed = await collectAll((cursor) => backend.listPages(siteId, { limit: 100, cursor }))
      expect(listed.items).toHaveLength(pages.length)
      expect(listed.items.filter((p) => p.revision !== 1).map((p) => p.pageId)).toEqual([])

      // Resaves under the same faults: tombstone a third, then raise a tenth of those again.
      proxy.setRates({ dropResponse: 0.05 })
      const tombstoned = listed.items.filter((_, i) => i % 3 === 0)
      await inLanes(tombstoned, 8, async (p) => {
        expect((await backend.savePage({ ...p, isTombstone: true }, { expectedRevision: 1 })).revision).toBe(
          2,
        )
      })
      const raised = tombstoned.filter((_, i) => i % 10 === 0)
      expect(await backend.savePagesBulk(raised.map((p) => ({ ...p, isTombstone: false })))).toBe(
        raised.length,
      )
      proxy.setRates({})
      console.info(`${layout}: ${proxy.stats.dropResponse} answers lost`, proxy.stats.byOperation)
      expect(proxy.stats.dropResponse).toBeGreaterThan(lost)
      expect(await backend.countPages(siteId)).toBe(pages.length - tombstoned.length + raised.length)
      expect(await backend.countPages(siteId, { includeTombstones: true })).toBe(pages.length)
      const revisions = new Map(
        (
          await collectAll((cursor) =>
            backend.listPages(siteId, { limit: 100, cursor, includeTombstones: true }),
          )
        ).items.map((p) => [p.pageId, p.revision]),
      )
      const expected = (p: { pageId: string }) =>
        raised.some((r) => r.pageId === p.pageId) ? 3 : tombstoned.some((t) => t.pageId === p.pageId) ? 2 : 1
      expect(
        listed.items.filter((p) => revisions.get(p.pageId) !== expected(p)).map((p) => p.pageId),
      ).toEqual([])
    })
  },
)

/**
 * A client that, while `replay` is on, sends every UpdateItem (and BatchExecuteStatement: the bulk
 * save's statements where the engine runs them) twice and answers with the second
 * reply: the engine applied the first, whose answer was lost — what the SDK's retry after a
 * dropped connection does, deterministically and on any engine.
 */
function replayingClient(endpoint: string) {
  const inner = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })
  const state = { replay: false, replayed: 0 }
  const client = {
    async send(command: never, options?: never) {
      if (state.replay && ['UpdateItem', 'BatchExecuteStatement'].includes(operationName(command))) {
        state.replayed++
        await inner.send(command, options).catch(() => undefined)
      }
      return inner.send(command, options)
    },
  }
  return { client, inner, state }
}

describe.each(MATRIX)('a replayed save — $layout on $engine', ({ layout, engine: engineName }) => {
  describe.skipIf(!engineAvailable(engineName))('', () => {
    it('with expectedRevision answers the next revision instead of ConflictError, and counts once', async () => {
      const endpoint =
        engineName === 'dynalite' ? engine.endpoint : (inject('dynamodbLocalEndpoint') as string)
      const { client, inner, state } = replayingClient(endpoint)
      const prefix = uniqueTablePrefix('replay')
      const backend = createStorageBackend({
        backend: { endpointUrl: endpoint, layout, tablePrefix: prefix, client },
      })
      opened.push({ backend, clients: [inner] })
      await backend.initialize()
      const s = await backend.saveSite(site())
      const reads = () => backend.metrics().byOperation.GetItem?.requests ?? 0
      const readsBefore = reads()

      state.replay = true
      // The site's first counted page creates the counters' writer map: that path replays too.
      const p1 = await backend.savePage(page(s.siteId, 'https://example.com/replayed'), {
        expectedRevision: 0,
      })
      expect(p1.revision).toBe(1)
      const p2 = await backend.savePage({ ...p1, depth: 2 }, { expectedRevision: 1 })
      expect(p2.revision).toBe(2)
      const p3 = await backend.savePage({ ...p2, isTombstone: true }, { expectedRevision: 2 })
      expect(p3.revision).toBe(3)
      const other = await backend.savePage(page(s.siteId, 'https://example.com/other'))
      expect(other.revision).toBe(1)
      const bulk = Array.from({ length: 5 }, (_, i) => page(s.siteId, `https://example.com/bulk/${i}`))
      expect(await backend.savePagesBulk(bulk)).toBe(5)
      // A stale save is still a conflict, replayed or not, and changes nothing.
      await expect(backend.savePage({ ...p1, depth: 9 }, { expectedRevision: 2 })).rejects.toBeInstanceOf(
        ConflictError,
      )
      state.replay = false
      expect(state.replayed).toBeGreaterThanOrEqual(12)
      // The item the engine returns with a failed condition answers it; dynalite does not return
      // one, so there a consistent GetItem does.
      if (engineName === 'dynamodb-local') expect(reads() - readsBefore).toBe(0)
      else expect(reads() - readsBefore).toBeGreaterThan(0)

      expect(await backend.getPage(s.siteId, p1.pageId)).toEqual(p3) // no bookkeeping attribute leaks
      expect(await backend.getPage(s.siteId, other.pageId)).toEqual(other)
      for (const b of bulk) expect((await backend.getPage(s.siteId, b.pageId))?.revision).toBe(1)
      expect(await backend.countPages(s.siteId)).toBe(6)
      expect(await backend.countPages(s.siteId, { includeTombstones: true })).toBe(7)

      if (layout === 'multi-table') {
        // Added attributes of the documented tables are snake_case like the documented ones.
        const raw = async (table: string, key: Record<string, string>) =>
          Object.keys(
            (
              await inner.send(
                new GetItemCommand({
                  TableName: `${prefix}${table}`,
                  Key: Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }])),
                }),
              )
            ).Item ?? {},
          )
        const pageAttributes = await raw('pages', { site_id: s.siteId, page_id: p1.pageId })
        expect(pageAttributes).toEqual(
          expect.arrayContaining(['write_token', 'prior_first_seen', 'prior_is_tombstone']),
        )
        const siteAttributes = await raw('sites', { site_id: s.siteId })
        expect(siteAttributes).toContain('page_count_writers')
        for (const name of [...pageAttributes, ...siteAttributes]) expect(name).toMatch(/^[a-z0-9_]+$/)
      }
    })
  })
})
