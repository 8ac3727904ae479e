import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { createStorageBackend, type StorageConfigInput, tableDefinitions } from '../../src/index.js'
import { assertLoopbackEndpoint } from '../../src/testing/index.js'

/**
 * The baseline a migration is measured against: a plain hand-written copy of one layout's tables
 * into fresh tables of the same layout. Parallel Scan segments (pages of `pageSize`, like the
 * migration's), each page's raw items BatchWritten unchanged (25 per request, `writesInFlight`
 * requests at once, unprocessed items retried). No parsing, validation, checkpoint or lock. The
 * duration includes creating the target tables, as a migration's does.
 */
export async function rawCopy(options: {
  source: StorageConfigInput
  target: StorageConfigInput
  segments: number
  pageSize?: number
  writesInFlight?: number
}): Promise<{ items: number; durationMs: number }> {
  const sourceTables = tableDefinitions(options.source).map((d) => d.TableName!)
  const targetTables = tableDefinitions(options.target).map((d) => d.TableName!)
  if (options.source.backend?.layout !== options.target.backend?.layout)
    throw new Error('a raw copy needs the same layout on both sides')
  const started = Date.now()
  const target = createStorageBackend(options.target)
  await target.initialize()
  await target.close()
  const source = clientFor(options.source)
  const sink = clientFor(options.target)
  let items = 0
  try {
    await Promise.all(
      sourceTables.flatMap((table, t) =>
        Array.from({ length: options.segments }, async (_, segment) => {
          let start: Record<string, AttributeValue> | undefined
          do {
            const page = await source.send(
              new ScanCommand({
                TableName: table,
                Segment: segment,
                TotalSegments: options.segments,
                Limit: options.pageSize ?? 250,
                ExclusiveStartKey: start,
              }),
            )
            const writes = (page.Items ?? []).map((Item): WriteRequest => ({ PutRequest: { Item } }))
            items += writes.length
            await writeAll(sink, targetTables[t]!, writes, options.writesInFlight ?? 4)
            start = page.LastEvaluatedKey
          } while (start)
        }),
      ),
    )
  } finally {
    source.destroy()
    sink.destroy()
  }
  return { items, durationMs: Date.now() - started }
}

async function writeAll(client: DynamoDBClient, table: string, writes: WriteRequest[], inFlight: number) {
  const batches: WriteRequest[][] = []
  for (let i = 0; i < writes.length; i += 25) batches.push(writes.slice(i, i + 25))
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(inFlight, batches.length) }, async () => {
      while (next < batches.length) {
        let pending = batches[next++]!
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 10) throw new Error(`raw copy: ${pending.length} items left unprocessed`)
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt))
          const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }))
          pending = output.UnprocessedItems?.[table] ?? []
        }
      }
    }),
  )
}

function clientFor(config: StorageConfigInput): DynamoDBClient {
  const endpoint = config.backend?.endpointUrl
  if (!endpoint) throw new Error('a raw copy runs against a local endpoint')
  assertLoopbackEndpoint(endpoint)
  return new DynamoDBClient({
    endpoint,
    region: config.backend?.region ?? 'us-east-1',
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
    maxAttempts: 8,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 60_000 }),
  })
}
