import type { DynamoDBClientLike, StorageConfigInput } from '../config.js'
import {
  type EmbeddedEngine,
  isLoopback,
  parseEmbeddedEndpoint,
  startEmbeddedEngine,
} from '../engine/embedded.js'

/**
 * One client for both sides of a migration or verification (they share endpoint and region). An
 * `embedded:<dir>` endpoint is started once here, so source and target see the same engine, while
 * the configs keep `endpointUrl` as given: a checkpoint names the same migration on every rerun.
 */
export interface SharedConnection {
  client: DynamoDBClientLike
  close(): Promise<void>
}

export async function connect(options: { endpoint?: string; region?: string }): Promise<SharedConnection> {
  let engine: EmbeddedEngine | undefined
  let endpoint = options.endpoint
  const embedded = parseEmbeddedEndpoint(endpoint)
  if (embedded) {
    engine = await startEmbeddedEngine(embedded)
    endpoint = engine.endpoint
  }
  // Loaded here, not at the top: `--help` and the commands that send nothing start without the SDK.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb')
  const client = new DynamoDBClient({
    region: options.region ?? 'us-east-1',
    endpoint,
    maxAttempts: 8,
    // The same fixed key as the library's own clients: DynamoDB Local keeps one database per key.
    credentials:
      endpoint && isLoopback(endpoint) ? { accessKeyId: 'ragcrawl', secretAccessKey: 'local' } : undefined,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000 },
  })
  let closed: Promise<void> | undefined
  return {
    client,
    close() {
      closed ??= (async () => {
        client.destroy()
        await engine?.stop()
      })()
      return closed
    },
  }
}

/** A config that sends through `client` (keeping its `endpointUrl` for identity). */
export function withClient(config: StorageConfigInput, client: DynamoDBClientLike): StorageConfigInput {
  return { backend: { ...config.backend, client } }
}

/** Wraps a client to count what parallel Scan segments return: items, and segments finished. */
export function countingScans(
  client: DynamoDBClientLike,
  onPage: (items: number, segmentFinished: boolean) => void,
): DynamoDBClientLike {
  return {
    async send(command: unknown, options?: unknown) {
      const output = await client.send(command, options)
      const input = (command as { input?: { Segment?: unknown; TotalSegments?: unknown } }).input
      if (input?.TotalSegments !== undefined) {
        const page = output as { Items?: unknown[]; Count?: number; LastEvaluatedKey?: unknown }
        onPage(page.Items?.length ?? page.Count ?? 0, page.LastEvaluatedKey === undefined)
      }
      return output
    },
  }
}
