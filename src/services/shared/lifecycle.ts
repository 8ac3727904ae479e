import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  TransactGetItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import type { DynamoDBConfig } from '../../config.js'
import type { Transport } from '../../engine/transport.js'
import type { EngineCapabilities, HealthReport, TableHealth } from '../storage-backend.js'
import { awsErrorName } from './aws-errors.js'
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
 * count as done.
 */
export async function initializeTables(
  transport: Transport,
  layout: LayoutTables,
): Promise<EngineCapabilities> {
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
  const capabilities = await detectCapabilities(transport, layout.definitions[0]!.TableName!)
  if (capabilities.timeToLive) {
    for (const table of layout.ttlTables) await enableTtl(transport, table, layout.ttlAttribute)
  }
  return capabilities
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

async function enableTtl(transport: Transport, table: string, attribute: string): Promise<void> {
  const output = (await transport.send(new DescribeTimeToLiveCommand({ TableName: table }))) as {
    TimeToLiveDescription?: { TimeToLiveStatus?: string; AttributeName?: string }
  }
  const status = output.TimeToLiveDescription?.TimeToLiveStatus
  if (status === 'ENABLED' || status === 'ENABLING') return
  try {
    await transport.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
      }),
    )
  } catch (error) {
    // Another process enabled it between our describe and update.
    if (!/already enabled/i.test((error as Error).message ?? '')) throw error
  }
}

/** Probes what the engine supports: dynalite lacks transactions and the TTL API. */
export async function detectCapabilities(transport: Transport, table: string): Promise<EngineCapabilities> {
  if ((await transport.endpoint()) === undefined) return { transactions: true, timeToLive: true } // AWS itself
  const probe = async (run: () => Promise<unknown>) => {
    try {
      await run()
      return true
    } catch (error) {
      const name = awsErrorName(error) ?? ''
      if (name === 'UnknownOperationException' || name === 'UnrecognizedClientException') return false
      return true // supported, merely refused this probe
    }
  }
  const [transactions, timeToLive] = await Promise.all([
    probe(() =>
      transport.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: table, Key: { pk: { S: '$probe' }, sk: { S: '$probe' } } } }],
        }),
      ),
    ),
    probe(() =>
      transport.send(
        new UpdateTimeToLiveCommand({
          TableName: `${table}-probe-missing`,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
        }),
      ),
    ),
  ])
  return { transactions, timeToLive }
}

/** Every table of the layout, described with a short timeout; never throws. */
export async function healthOf(
  transport: Transport,
  config: DynamoDBConfig,
  tables: string[],
  probeTable: string,
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
    endpoint = (await withTimeout(transport.endpoint(), HEALTH_TIMEOUT_MS)) ?? endpoint
    report.endpoint = endpoint
    report.tables = await Promise.all(tables.map((name) => describe(transport, name)))
    report.ok = report.tables.every((table) => table.exists && table.status === 'ACTIVE')
    if (report.ok)
      report.capabilities = await withTimeout(detectCapabilities(transport, probeTable), HEALTH_TIMEOUT_MS)
  } catch (error) {
    report.ok = false
    report.error = (error as Error)?.message ?? String(error)
  }
  report.latencyMs = Date.now() - started
  return report
}

async function describe(transport: Transport, name: string): Promise<TableHealth> {
  try {
    const output = (await transport.send(new DescribeTableCommand({ TableName: name }), {
      abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    })) as { Table?: { TableStatus?: string } }
    return { name, exists: true, status: output.Table?.TableStatus }
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
