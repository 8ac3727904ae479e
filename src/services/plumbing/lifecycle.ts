import {
  BatchExecuteStatementCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  TransactGetItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import type { DynamoDBConfig } from '../../config.js'
import type { Transport } from '../../engine/transport.js'
import type { EngineCapabilities, HealthReport, TableHealth } from '../contract.js'
import { awsErrorName, isRetryable } from './aws-errors.js'
import { sleep } from './retry.js'

const HEALTH_TIMEOUT_MS = 3_000
const ACTIVE_TIMEOUT_MS = 5 * 60_000

export interface LayoutTables {
  definitions: CreateTableCommandInput[]
  /** Tables whose items may carry the TTL attribute. */
  ttlTables: string[]
  ttlAttribute: string
}

/**
 * Creates missing tables and waits until ACTIVE, then turns on TTL where the engine has the API.
 * Safe to call repeatedly and from several processes: "already exists" and "already enabled"
 * count as done. What the engine supports is learnt by asking it (the TTL enable itself is the TTL
 * probe), so a `client` the backend cannot see into (a wrapper, a recorder) works on every engine.
 */
export async function initializeTables(
  transport: Transport,
  layout: LayoutTables,
): Promise<Pick<EngineCapabilities, 'transactions' | 'timeToLive'>> {
  await Promise.all(
    layout.definitions.map(async (definition) => {
      try {
        await transport.send(new CreateTableCommand(definition))
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceInUseException') throw error
      }
    }),
  )
  await Promise.all(layout.definitions.map((d) => waitActive(transport, d.TableName!)))
  const tables = layout.definitions.map((d) => d.TableName!)
  let timeToLive = layout.ttlTables.length > 0 || (await probeTimeToLive(transport, tables))
  for (const table of layout.ttlTables) {
    if (!timeToLive) break
    timeToLive = await enableTtl(transport, table, layout.ttlAttribute)
  }
  const transactions = (await transport.isKnownAws()) || (await probeTransactions(transport, tables[0]!))
  return { transactions, timeToLive }
}

async function waitActive(transport: Transport, table: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS
  for (let attempt = 0; ; attempt++) {
    const output = (await transport.send(new DescribeTableCommand({ TableName: table }))) as {
      Table?: { TableStatus?: string; GlobalSecondaryIndexes?: { IndexStatus?: string }[] }
    }
    const indexesActive = (output.Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE',
    )
    if (output.Table?.TableStatus === 'ACTIVE' && indexesActive) return
    if (Date.now() > deadline) throw new Error(`Table ${table} did not become ACTIVE`)
    await sleep(Math.min(2_000, 50 * 2 ** attempt))
  }
}

/**
 * Turns TTL on for `table`; false when the engine has no TTL API (dynalite knows DescribeTimeToLive
 * but not UpdateTimeToLive). Any other failure (throttling, a refusal) is thrown: never taken for
 * "unsupported".
 */
async function enableTtl(transport: Transport, table: string, attribute: string): Promise<boolean> {
  const status = await ttlStatus(transport, table)
  if (status === UNSUPPORTED) return false
  if (status === 'ENABLED' || status === 'ENABLING') return true
  try {
    await transport.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
      }),
    )
  } catch (error) {
    if (isUnknownOperation(error)) return false
    // Another process enabled it between our describe and update.
    if (!/already enabled/i.test((error as Error).message ?? '')) throw error
  }
  return true
}

const UNSUPPORTED = Symbol('unsupported')

async function ttlStatus(
  transport: Transport,
  table: string,
): Promise<string | undefined | typeof UNSUPPORTED> {
  try {
    const output = (await transport.send(new DescribeTimeToLiveCommand({ TableName: table }))) as {
      TimeToLiveDescription?: { TimeToLiveStatus?: string }
    }
    return output.TimeToLiveDescription?.TimeToLiveStatus
  } catch (error) {
    if (isUnknownOperation(error)) return UNSUPPORTED
    throw error
  }
}

/**
 * The engine does not implement the operation. Only sent after requests with the same credentials
 * succeeded, so `UnrecognizedClientException` (what some emulators answer) is no credentials issue.
 */
function isUnknownOperation(error: unknown): boolean {
  const name = awsErrorName(error)
  return name === 'UnknownOperationException' || name === 'UnrecognizedClientException'
}

/**
 * Whether the engine answers `send`'s request at all: false for an unknown operation, true when it
 * ran it or refused it for any other reason (a missing table, a missing IAM grant). A throttled or
 * failed probe throws: its answer says nothing.
 */
async function answers(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send()
    return true
  } catch (error) {
    if (isUnknownOperation(error)) return false
    if (isRetryable(error)) throw error
    return true
  }
}

/** A transactional read of a key that is never written: reads nothing, changes nothing. */
function probeTransactions(transport: Transport, table: string): Promise<boolean> {
  return answers(() =>
    transport.send(
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: table, Key: { pk: { S: '$probe' }, sk: { S: '$probe' } } } }],
      }),
    ),
  )
}

/**
 * Whether the engine runs PartiQL batches (BatchExecuteStatement: DynamoDB Local and AWS, not
 * dynalite): a read of a table that does not exist, refused per statement, changing nothing.
 */
export function probePartiql(transport: Transport, table: string): Promise<boolean> {
  return answers(() =>
    transport.send(
      new BatchExecuteStatementCommand({
        Statements: [{ Statement: `SELECT * FROM "${table}-probe-missing" WHERE "pk" = 'probe'` }],
      }),
    ),
  )
}

/**
 * Whether the engine has the TTL API, changing nothing: a table of the layout whose TTL is on says
 * so; otherwise UpdateTimeToLive on a table that does not exist (refused by any engine that knows
 * the operation, with no effect).
 */
async function probeTimeToLive(transport: Transport, tables: string[]): Promise<boolean> {
  const statuses = await Promise.all(tables.map((table) => ttlStatus(transport, table)))
  if (statuses.includes(UNSUPPORTED)) return false
  if (statuses.some((s) => s === 'ENABLED' || s === 'ENABLING' || s === 'DISABLING')) return true
  return answers(() =>
    transport.send(
      new UpdateTimeToLiveCommand({
        TableName: `${tables[0]}-probe-missing`,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    ),
  )
}

/**
 * What the engine supports, changing nothing. AWS itself (the backend's own client and no
 * endpoint) is known and not probed; any other engine, and any `client` given, is asked.
 */
export async function detectCapabilities(
  transport: Transport,
  tables: string[],
): Promise<EngineCapabilities> {
  if (await transport.isKnownAws()) return { transactions: true, timeToLive: true, partiql: true }
  const [transactions, timeToLive, partiql] = await Promise.all([
    probeTransactions(transport, tables[0]!),
    probeTimeToLive(transport, tables),
    probePartiql(transport, tables[0]!),
  ])
  return { transactions, timeToLive, partiql }
}

/** Every table of the layout, described with a short timeout; never throws. */
export async function healthOf(
  transport: Transport,
  config: DynamoDBConfig,
  tables: string[],
  probeTable: string,
  refused?: Error,
  expectedIndexes: Record<string, string[]> = {},
): Promise<HealthReport> {
  const started = Date.now()
  let endpoint = config.endpointUrl ?? `aws:${config.region}`
  const report: HealthReport = {
    ok: false,
    layout: config.layout,
    endpoint,
    tables: [],
    capabilities: null,
    latencyMs: 0,
  }
  try {
    // Invalid options are reported like an unusable engine: a health check never throws.
    if (refused) throw refused
    endpoint = (await withTimeout(transport.endpoint(), HEALTH_TIMEOUT_MS)) ?? endpoint
    report.endpoint = endpoint
    report.tables = await Promise.all(
      tables.map((name) => describe(transport, name, expectedIndexes[name] ?? [])),
    )
    report.ok = report.tables.every((table) => table.exists && table.status === 'ACTIVE')
    if (report.ok)
      report.capabilities = await withTimeout(
        detectCapabilities(transport, [probeTable, ...tables.filter((t) => t !== probeTable)]),
        HEALTH_TIMEOUT_MS,
      )
  } catch (error) {
    report.ok = false
    report.error = (error as Error)?.message ?? String(error)
  }
  report.latencyMs = Date.now() - started
  return report
}

async function describe(transport: Transport, name: string, indexes: string[]): Promise<TableHealth> {
  try {
    const output = (await transport.send(new DescribeTableCommand({ TableName: name }), {
      abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    })) as { Table?: { TableStatus?: string; GlobalSecondaryIndexes?: { IndexName?: string }[] } }
    const present = new Set((output.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName))
    const missingIndexes = indexes.filter((index) => !present.has(index))
    return {
      name,
      exists: true,
      status: output.Table?.TableStatus,
      ...(missingIndexes.length > 0 ? { missingIndexes } : {}),
    }
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return { name, exists: false }
    return { name, exists: false, error: (error as Error)?.message ?? String(error) }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
