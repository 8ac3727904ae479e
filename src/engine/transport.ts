import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { DynamoDBClientLike, DynamoDBConfig } from '../config.js'
import { abortReason, currentSignal } from './abort.js'
import { type EmbeddedEngine, isLoopback, parseEmbeddedEndpoint, startEmbeddedEngine } from './embedded.js'
import { type ConsumedCapacityLike, MetricsRecorder } from './metrics.js'

/** Operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
])

/** lib-dynamodb and client-dynamodb command class names → DynamoDB operation names. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
}

export function operationName(command: unknown): string {
  const raw = (command as { constructor?: { name?: string } })?.constructor?.name ?? 'Unknown'
  const base = raw.replace(/Command$/, '')
  return DOCUMENT_COMMANDS[base] ?? base
}

/** The signal that aborts when either does. */
function either(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : (a ?? b)
}

export type RequestListener = (operation: string, input: Record<string, unknown>) => void

interface SendOptions {
  abortSignal?: AbortSignal
}

/**
 * The one door to DynamoDB: every request of a backend (ElectroDB's and ours) passes through
 * `send`, which starts an embedded engine on first use, asks for consumed capacity, and records
 * requests and capacity per operation.
 */
export class Transport implements DynamoDBClientLike {
  readonly metrics = new MetricsRecorder()
  private readonly listeners = new Set<RequestListener>()
  private clientPromise: Promise<DynamoDBClientLike> | undefined
  private engine: EmbeddedEngine | undefined
  private ownsClient = false
  private closed = false

  constructor(private readonly config: DynamoDBConfig) {}

  /** Whether the engine is an in-process dynalite. */
  get isEmbedded(): boolean {
    return parseEmbeddedEndpoint(this.config.endpointUrl) !== null
  }

  /** The HTTP endpoint in use (embedded engines report their loopback address once started). */
  async endpoint(): Promise<string | undefined> {
    await this.client()
    return this.engine?.endpoint ?? this.config.endpointUrl
  }

  /**
   * Whether requests go to AWS itself: the backend's own client with no endpoint. A `client` given
   * in the config may go anywhere (a wrapper has no endpoint to judge by), so it never counts.
   */
  async isKnownAws(): Promise<boolean> {
    return this.config.client === undefined && (await this.endpoint()) === undefined
  }

  onRequest(listener: RequestListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Sends `command`, under the signal of the call in progress (or `options.abortSignal`): an
   * aborted signal rejects with its `AbortError` and sends nothing; one aborted in flight cancels
   * the request.
   */
  async send(command: unknown, options?: SendOptions): Promise<unknown> {
    const signal = either(options?.abortSignal, currentSignal())
    if (signal?.aborted) throw abortReason(signal)
    const client = await this.client()
    if (signal?.aborted) throw abortReason(signal)
    const operation = operationName(command)
    const input = (command as { input?: Record<string, unknown> }).input
    if (input && CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === undefined) {
      input.ReturnConsumedCapacity = 'TOTAL'
    }
    for (const listener of this.listeners) listener(operation, input ?? {})
    let output: unknown
    try {
      output = await client.send(
        command,
        signal === undefined ? options : { ...options, abortSignal: signal },
      )
    } catch (error) {
      this.metrics.record(operation, [])
      throw error
    }
    const consumed = (output as { ConsumedCapacity?: ConsumedCapacityLike | ConsumedCapacityLike[] })
      ?.ConsumedCapacity
    this.metrics.record(
      operation,
      consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed],
    )
    return output
  }

  private client(): Promise<DynamoDBClientLike> {
    if (this.closed) return Promise.reject(new Error('The storage backend is closed'))
    this.clientPromise ??= this.createClient()
    return this.clientPromise
  }

  private async createClient(): Promise<DynamoDBClientLike> {
    if (this.config.client) return this.config.client
    const embedded = parseEmbeddedEndpoint(this.config.endpointUrl)
    let endpoint = this.config.endpointUrl
    if (embedded) {
      this.engine = await startEmbeddedEngine(embedded)
      endpoint = this.engine.endpoint
    }
    this.ownsClient = true
    return new DynamoDBClient({
      region: this.config.region,
      endpoint,
      maxAttempts: this.config.maxAttempts,
      // Local engines accept any key; one fixed key keeps DynamoDB Local on one database.
      credentials:
        endpoint && isLoopback(endpoint) ? { accessKeyId: 'ragcrawl', secretAccessKey: 'local' } : undefined,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 60_000 }),
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const pending = this.clientPromise
    this.clientPromise = undefined
    if (pending) {
      const client = await pending.catch(() => undefined)
      if (this.ownsClient) (client as { destroy?: () => void } | undefined)?.destroy?.()
    }
    await this.engine?.stop()
    this.engine = undefined
  }
}
