import { randomBytes } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, describe, expect, inject, it } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName, type Transport } from '../../src/engine/transport.js'
import {
  ConflictError,
  createStorageBackend,
  frontierItemIdFor,
  iamPolicy,
  MIGRATION_SOURCE_OPERATIONS,
  migrateLayout,
  newRunId,
  operationsFor,
  type StorageBackend,
  type StorageConfigInput,
  verifyLayouts,
} from '../../src/index.js'
import { assertLoopbackEndpoint, uniqueTablePrefix } from '../../src/testing/index.js'
import { engineAvailable, LAYOUTS, type LayoutName } from '../support/engines.js'
import { collectAll, frontierItem, page, run, site, version } from '../support/fixtures.js'

/**
 * Proof that `iamPolicy(config)` is exactly what the library needs: every DynamoDB request a
 * representative workload sends (every StorageBackend method, initialize included, on DynamoDB
 * Local) is allowed by the policy of its layout (action and resource), and every action the policy
 * grants was used. The same for a migration: the source side stays within
 * MIGRATION_SOURCE_OPERATIONS and the target side within the target layout's operations.
 *
 * The one conditional operation: `UpdateTimeToLive` is sent only while a table's TTL is off (a
 * second `initialize()` does not send it; `CreateTable` it does send, "already exists" counting as
 * done). The workload starts from fresh tables, so it is seen, and no granted action needed an
 * exception.
 *
 * Excluded everywhere: the engine-capability probes of `initialize()` / `healthReport()`
 * (`TransactGetItems` of a key never written, `UpdateTimeToLive` on a missing `…-probe-missing`
 * table). The backend's own client with no endpoint is AWS and is not probed; a `client` given in
 * the config may go anywhere and is probed, which on AWS reads or changes nothing (the last test).
 */

const ACCOUNT = '123456789012'
const REGION = 'us-east-1'

interface SentRequest {
  operation: string
  input: Record<string, unknown>
}

/** The capability probes `detectCapabilities` sends to local engines only. */
function isProbe({ operation, input }: SentRequest): boolean {
  if (operation === 'TransactGetItems') return true
  if (operation === 'BatchExecuteStatement')
    return statementsOf(input).every((s) => /-probe-missing"/.test(s))
  return operation === 'UpdateTimeToLive' && String(input.TableName).endsWith('-probe-missing')
}

function statementsOf(input: Record<string, unknown>): string[] {
  return ((input.Statements as { Statement: string }[] | undefined) ?? []).map((s) => s.Statement)
}

/** The IAM actions a request needs: PartiQL statements are authorized by their verb. */
function requestActions({ operation, input }: SentRequest): string[] {
  if (operation !== 'BatchExecuteStatement') return [`dynamodb:${operation}`]
  return statementsOf(input).map((statement) => {
    const verb = statement.split(' ', 1)[0]!.toLowerCase()
    return `dynamodb:PartiQL${verb[0]!.toUpperCase()}${verb.slice(1)}`
  })
}

/** The ARNs a request touches: its table(s), and the index it reads, if any. */
function resourcesOf({ input }: SentRequest): string[] {
  const arn = (table: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`
  const tables = new Set<string>()
  if (typeof input.TableName === 'string') tables.add(input.TableName)
  for (const statement of statementsOf(input)) {
    const table = /(?:INTO|UPDATE|FROM)\s+"([^"]+)"/.exec(statement)?.[1]
    if (table) tables.add(table)
  }
  for (const table of Object.keys((input.RequestItems as object | undefined) ?? {})) tables.add(table)
  for (const item of (input.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? []) {
    for (const part of Object.values(item)) if (part?.TableName) tables.add(part.TableName)
  }
  const out = [...tables].map(arn)
  if (typeof input.IndexName === 'string')
    out.push(`${arn(String(input.TableName))}/index/${input.IndexName}`)
  return out
}

type Policy = ReturnType<typeof iamPolicy>

/** IAM's matching of `Action` (any case) and `Resource` patterns: `*` any run, `?` one character. */
function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value)
}

function allows(policy: Policy, request: SentRequest): { ok: boolean; why?: string } {
  const resources = resourcesOf(request)
  if (resources.length === 0) return { ok: false, why: `${request.operation} names no table` }
  for (const action of requestActions(request))
    for (const resource of resources) {
      const granted = policy.Statement.some(
        (s) =>
          s.Effect === 'Allow' &&
          s.Action.some((a) => wildcard(a, action, true)) &&
          s.Resource.some((r) => wildcard(r.replace(':*:', `:${ACCOUNT}:`), resource)),
      )
      if (!granted) return { ok: false, why: `${action} on ${resource}` }
    }
  return { ok: true }
}

function expectAllowed(policy: Policy, requests: SentRequest[]) {
  const refused = requests.map((r) => allows(policy, r)).filter((r) => !r.ok)
  expect(refused.map((r) => r.why)).toEqual([])
}

const actionsOf = (policy: Policy) => policy.Statement.flatMap((s) => s.Action).sort()
const operationsIn = (requests: SentRequest[]) => [...new Set(requests.map((r) => r.operation))].sort()

/** Every method of StorageBackend; the type below fails to compile if one is left out. */
const METHODS = [
  'saveSite',
  'getSite',
  'listSites',
  'deleteSite',
  'getSiteWithRuns',
  'saveRun',
  'getRun',
  'listRuns',
  'getLatestRun',
  'savePage',
  'getPage',
  'getPageByUrl',
  'listPages',
  'getPagesNeedingRecrawl',
  'countPages',
  'savePagesBulk',
  'listPageChanges',
  'followPageChanges',
  'saveVersion',
  'getVersion',
  'getCurrentVersion',
  'listVersions',
  'saveVersionsBulk',
  'commitVersion',
  'getPageWithVersions',
  'saveFrontierItem',
  'enqueueFrontierItems',
  'getFrontierItems',
  'claimFrontierItems',
  'updateFrontierStatus',
  'clearFrontier',
  'extendFrontierLease',
  'retryFrontierItem',
  'requeueFailedFrontierItems',
  'initialize',
  'healthCheck',
  'healthReport',
  'close',
  'metrics',
] as const satisfies readonly (keyof StorageBackend)[]
type Unlisted = Exclude<keyof StorageBackend, (typeof METHODS)[number]>
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true

/** The backend, each public call recorded by name, and each request its transport sends. */
function recordedBackend(config: StorageConfigInput) {
  const backend = createStorageBackend(config)
  const requests: SentRequest[] = []
  const transport = (backend as unknown as { transport: Transport }).transport
  transport.onRequest((operation, input) => requests.push({ operation, input }))
  const called = new Set<string>()
  const recorded = new Proxy(backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        called.add(String(key))
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { backend: recorded, requests, called }
}

/** A body that gzip cannot shrink below the inline budget: stored as several chunk items. */
const incompressible = () => randomBytes(450_000).toString('base64')

/** Every StorageBackend method, with the paths that send different requests (conflicts, chunks, shards). */
async function workload(backend: StorageBackend, requests: SentRequest[]): Promise<void> {
  await backend.initialize()
  const mark = requests.length
  await backend.initialize() // tables and TTL already there
  const again = operationsIn(requests.slice(mark).filter((r) => !isProbe(r)))
  expect(again).toContain('CreateTable')
  expect(again).not.toContain('UpdateTimeToLive')
  expect(await backend.healthCheck()).toBe(true)
  expect((await backend.healthReport()).ok).toBe(true)

  const s = await backend.saveSite(site({ config: { depth: 3 } }))
  await backend.saveSite({ ...s, name: 'Renamed', lastCrawlAt: null })
  expect((await backend.getSite(s.siteId))?.name).toBe('Renamed')
  expect(await backend.getSite('no-such-site')).toBeNull()
  const other = await backend.saveSite(site())
  expect(
    (await collectAll((cursor) => backend.listSites({ cursor, limit: 1 }))).items.length,
  ).toBeGreaterThan(1)

  const r1 = await backend.saveRun(run(s.siteId, { status: 'completed' }))
  const r2 = await backend.saveRun(run(s.siteId, { runId: newRunId(), status: 'running' }))
  expect((await backend.getRun(r1.runId))?.runId).toBe(r1.runId)
  expect((await collectAll((cursor) => backend.listRuns(s.siteId, { cursor, limit: 1 }))).items).toHaveLength(
    2,
  )
  expect((await backend.getLatestRun(s.siteId))?.runId).toBe(r2.runId)
  expect((await backend.getSiteWithRuns(s.siteId, { limit: 5 })).runs).toHaveLength(2)

  const p = await backend.savePage(page(s.siteId, 'https://example.com/a'))
  const updated = await backend.savePage({ ...p, statusCode: 200 }, { expectedRevision: p.revision })
  await expect(backend.savePage(p, { expectedRevision: p.revision })).rejects.toBeInstanceOf(ConflictError)
  await backend.savePage(page(s.siteId, `https://example.com/${'long/'.repeat(600)}`))
  const bulk = Array.from({ length: 30 }, (_, i) =>
    page(s.siteId, `https://example.com/bulk/${i}`, {
      isTombstone: i % 10 === 0,
      lastCrawled: i % 2 ? new Date('2025-01-01T00:00:00Z') : null,
    }),
  )
  await backend.savePagesBulk(bulk)
  await backend.savePagesBulk(bulk.map((b) => ({ ...b, depth: 1 }))) // existing pages: UPDATE statements
  expect((await backend.getPage(s.siteId, p.pageId))?.revision).toBe(updated.revision)
  expect((await backend.getPageByUrl(s.siteId, 'https://example.com/a'))?.pageId).toBe(p.pageId)
  await collectAll((cursor) => backend.listPages(s.siteId, { cursor, limit: 7, includeTombstones: true }))
  await collectAll((cursor) => backend.listPages(s.siteId, { cursor, limit: 7 }))
  await collectAll((cursor) =>
    backend.getPagesNeedingRecrawl(s.siteId, { cursor, maxAgeHours: 24, limit: 5 }),
  )
  await backend.getPagesNeedingRecrawl(s.siteId)
  expect(await backend.countPages(s.siteId, { includeTombstones: true })).toBe(32)
  await backend.countPages(s.siteId)
  const feed = await backend.listPageChanges(s.siteId, { limit: 5 })
  for await (const _ of backend.followPageChanges(s.siteId, { cursor: feed.cursor, pollMs: 1 })) break

  const v1 = await backend.saveVersion(version(p, { runId: r1.runId }))
  const big = await backend.saveVersion(version(p, { runId: r1.runId, markdown: incompressible() }))
  await backend.saveVersionsBulk(
    Array.from({ length: 30 }, (_, i) => version(p, { runId: r2.runId, markdown: `# bulk ${i}` })),
  )
  const committed = await backend.commitVersion(
    { ...p, contentHash: 'new' },
    version(p, { runId: r2.runId, markdown: incompressible() }),
    { expectedRevision: updated.revision },
  )
  expect((await backend.getVersion(p.pageId, big.versionId))?.markdown).toBe(big.markdown)
  expect((await backend.getVersion(p.pageId, v1.versionId))?.versionId).toBe(v1.versionId)
  expect((await backend.getCurrentVersion(p.pageId))?.versionId).toBe(committed.version.versionId)
  await collectAll((cursor) => backend.listVersions(p.pageId, { cursor, limit: 8 }))
  expect((await backend.getPageWithVersions(s.siteId, p.pageId, { limit: 3 })).versions).toHaveLength(3)

  const urls = Array.from({ length: 40 }, (_, i) => `https://example.com/q/${i}`)
  await backend.saveFrontierItem(frontierItem(r2.runId, s.siteId, 'https://example.com/first'))
  const enqueued = await backend.enqueueFrontierItems([
    ...urls.map((url, i) => frontierItem(r2.runId, s.siteId, url, { priority: i % 3 })),
    frontierItem(r2.runId, s.siteId, urls[0]!),
  ])
  expect(enqueued.added).toBe(40)
  await collectAll((cursor) => backend.getFrontierItems(r2.runId, { cursor, limit: 9 }))
  await backend.getFrontierItems(r2.runId, { status: 'pending', limit: 5 })
  const claimed = await backend.claimFrontierItems(r2.runId, { workerId: 'w1', limit: 5 })
  expect(claimed).toHaveLength(5)
  await backend.updateFrontierStatus(r2.runId, claimed[0]!.itemId, 'completed', { workerId: 'w1' })
  await backend.updateFrontierStatus(r2.runId, claimed[1]!.itemId, 'failed', { error: 'HTTP 500' })
  // Skip an item the claim did not take (which items a claim takes from its window is random).
  const unclaimed = urls
    .map((url) => frontierItemIdFor(r2.runId, url))
    .find((itemId) => !claimed.some((item) => item.itemId === itemId))
  await backend.updateFrontierStatus(r2.runId, unclaimed!, 'skipped')
  await backend.extendFrontierLease(r2.runId, claimed[2]!.itemId, { workerId: 'w1', leaseSeconds: 60 })
  await backend.retryFrontierItem(r2.runId, claimed[2]!.itemId, { workerId: 'w1', error: 'HTTP 503' })
  expect(await backend.requeueFailedFrontierItems(r2.runId)).toBe(1)
  expect(await backend.clearFrontier(r2.runId)).toBeGreaterThan(0)

  expect((await backend.deleteSite(s.siteId)).deleted).toBe(true)
  expect((await backend.deleteSite('no-such-site')).deleted).toBe(false)
  await backend.deleteSite(other.siteId)
  expect(backend.metrics().requests).toBeGreaterThan(0)
  await backend.close()
}

const endpoint = engineAvailable('dynamodb-local') ? (inject('dynamodbLocalEndpoint') as string) : ''
const configFor = (layout: LayoutName, prefix = uniqueTablePrefix(`iam_${layout.slice(0, 1)}`)) => ({
  backend: { endpointUrl: endpoint, layout, tablePrefix: prefix, region: REGION },
})

describe.skipIf(!engineAvailable('dynamodb-local'))(
  'IAM policy vs what the library sends (DynamoDB Local)',
  () => {
    it.each(LAYOUTS)(
      '%s: every request is allowed, every granted action is used',
      async (layout) => {
        assertLoopbackEndpoint(endpoint)
        expect(everyMethodListed).toBe(true)
        const config = configFor(layout)
        const { backend, requests, called } = recordedBackend(config)
        await workload(backend, requests)
        expect([...called].sort()).toEqual([...METHODS].sort())

        const sent = requests.filter((r) => !isProbe(r))
        expect(requests.some(isProbe)).toBe(true) // a local endpoint: the probes were sent, and left out
        const policy = iamPolicy(config, { accountId: ACCOUNT })
        expectAllowed(policy, sent)
        // Nothing granted goes unused: the policy's actions are exactly the operations sent.
        expect(actionsOf(policy)).toEqual([...new Set(sent.flatMap(requestActions))].sort())
        expect(operationsIn(sent)).toEqual(operationsFor(layout))
        // Index reads are covered by `table/NAME/index/*`, and some were made.
        expect(sent.some((r) => typeof r.input.IndexName === 'string')).toBe(true)
        // Every table granted was used (the `/index/*` grants cover the tables' GSIs).
        const touched = new Set(sent.flatMap(resourcesOf))
        const tables = policy.Statement.flatMap((s) => s.Resource).filter((r) => !r.endsWith('/index/*'))
        expect(tables.filter((r) => !touched.has(r.replace(':*:', `:${ACCOUNT}:`)))).toEqual([])
      },
      120_000,
    )

    it.each([
      ['single-table', 'multi-table'],
      ['multi-table', 'single-table'],
    ] as const)(
      'migration %s → %s: source within MIGRATION_SOURCE_OPERATIONS, target within its layout',
      async (from, to) => {
        const sourceConfig = configFor(from)
        const seeding = createStorageBackend(sourceConfig)
        await seeding.initialize()
        const s = await seeding.saveSite(site())
        const r = await seeding.saveRun(run(s.siteId))
        const p = await seeding.savePage(page(s.siteId, 'https://example.com/p'))
        await seeding.savePage(page(s.siteId, `https://example.com/${'long/'.repeat(600)}`))
        await seeding.commitVersion(p, version(p, { runId: r.runId, markdown: incompressible() }))
        await seeding.saveVersion(version(p, { runId: r.runId }))
        await seeding.enqueueFrontierItems([frontierItem(r.runId, s.siteId, 'https://example.com/q')])
        await seeding.claimFrontierItems(r.runId, { workerId: 'w', limit: 1 })
        await seeding.close()

        const source = recordingClient(endpoint)
        const target = recordingClient(endpoint)
        const targetConfig = configFor(to)
        const report = await migrateLayout({
          source: { backend: { ...sourceConfig.backend, client: source.client } },
          target: { backend: { ...targetConfig.backend, client: target.client } },
          segments: 2,
        })
        expect(report.error ?? null).toBeNull()
        expect(report.ok).toBe(true)
        expect(report.tables.versions.written).toBe(2)

        expect(operationsIn(source.requests)).toEqual(expect.arrayContaining(['Scan']))
        for (const op of operationsIn(source.requests)) expect(MIGRATION_SOURCE_OPERATIONS).toContain(op)
        expectAllowed(
          iamPolicy(sourceConfig, { accountId: ACCOUNT, operations: MIGRATION_SOURCE_OPERATIONS }),
          source.requests,
        )

        const targetSent = target.requests.filter((req) => !isProbe(req))
        for (const op of operationsIn(targetSent)) expect(operationsFor(to)).toContain(op)
        expectAllowed(iamPolicy(targetConfig, { accountId: ACCOUNT }), targetSent)

        // verifyLayouts only reads, on both sides: the migration-source grant covers it.
        const left = recordingClient(endpoint)
        const right = recordingClient(endpoint)
        const verify = await verifyLayouts({
          source: { backend: { ...sourceConfig.backend, client: left.client } },
          target: { backend: { ...targetConfig.backend, client: right.client } },
        })
        expect(verify.ok).toBe(true)
        for (const [side, config] of [
          [left, sourceConfig],
          [right, targetConfig],
        ] as const) {
          for (const op of operationsIn(side.requests)) expect(MIGRATION_SOURCE_OPERATIONS).toContain(op)
          expectAllowed(
            iamPolicy(config, { accountId: ACCOUNT, operations: MIGRATION_SOURCE_OPERATIONS }),
            side.requests,
          )
        }
        console.log(
          `IAM migration ${from} → ${to}: source ${operationsIn(source.requests).join(',')}; ` +
            `target ${operationsIn(targetSent).join(',')}; verify ${operationsIn([...left.requests, ...right.requests]).join(',')}`,
        )
      },
      120_000,
    )

    it('on AWS behind a duck-typed client, nothing outside the policy but the probes, which change nothing', async () => {
      for (const layout of LAYOUTS) {
        const requests: SentRequest[] = []
        const fake: DynamoDBClientLike = {
          async send(command) {
            const operation = operationName(command)
            requests.push({ operation, input: (command as { input: Record<string, unknown> }).input })
            if (operation === 'DescribeTable') return { Table: { TableStatus: 'ACTIVE' } }
            return {}
          },
        }
        const config = { backend: { layout, tablePrefix: uniqueTablePrefix('iam_aws'), region: REGION } }
        const backend = createStorageBackend({ backend: { ...config.backend, client: fake } })
        await backend.initialize()
        const report = await backend.healthReport()
        expect(report.ok).toBe(true)
        expect(report.capabilities).toEqual({ transactions: true, timeToLive: true, partiql: true })
        await backend.close()
        for (const probe of requests.filter(isProbe))
          expect(['TransactGetItems', 'UpdateTimeToLive', 'BatchExecuteStatement']).toContain(probe.operation)
        expectAllowed(
          iamPolicy(config, { accountId: ACCOUNT }),
          requests.filter((r) => !isProbe(r)),
        )
      }
    })
  },
)

/** A DynamoDB client that records each request it is handed, by operation. */
function recordingClient(url: string) {
  const real = new DynamoDBClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })
  clients.push(real)
  const requests: SentRequest[] = []
  const client: DynamoDBClientLike = {
    send(command, options) {
      requests.push({
        operation: operationName(command),
        input: (command as { input?: Record<string, unknown> }).input ?? {},
      })
      return real.send(command as never, options as never)
    },
  }
  return { client, requests }
}

const clients: DynamoDBClient[] = []
afterAll(() => {
  for (const client of clients) client.destroy()
})

describe('the policy check itself', () => {
  it('refuses an action or a table the policy does not grant', () => {
    const config = { backend: { layout: 'single-table' as const, tablePrefix: 'app_', region: REGION } }
    const policy = iamPolicy(config, { accountId: ACCOUNT })
    const check = (operation: string, input: Record<string, unknown>) =>
      allows(policy, { operation, input }).ok
    expect(check('Query', { TableName: 'app_data', IndexName: 'gsi1' })).toBe(true)
    expect(check('BatchWriteItem', { RequestItems: { app_data: [] } })).toBe(true)
    expect(check('Scan', { TableName: 'app_data' })).toBe(false)
    expect(check('GetItem', { TableName: 'other_data' })).toBe(false)
    expect(check('GetItem', { TableName: 'APP_DATA' })).toBe(false)
    expect(check('BatchWriteItem', { RequestItems: { app_data: [], other_data: [] } })).toBe(false)
    expect(check('TransactGetItems', { TransactItems: [{ Get: { TableName: 'app_data' } }] })).toBe(false)
    const elsewhere = iamPolicy(
      { backend: { ...config.backend, region: 'eu-west-1' } },
      { accountId: ACCOUNT },
    )
    expect(allows(elsewhere, { operation: 'GetItem', input: { TableName: 'app_data' } }).ok).toBe(false)
  })
})
