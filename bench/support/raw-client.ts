import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { MetricsRecorder } from '../../src/engine/metrics.js'
import type { RequestMetrics } from '../../src/index.js'
import { addCounts, type ItemCounts, itemCountsOf, loopbackClient } from './counting-client.js'

interface CommandLike {
  input?: object
  constructor: { name: string }
}

const OPERATIONS: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchWriteCommand: 'BatchWriteItem',
  BatchGetCommand: 'BatchGetItem',
}

/**
 * The raw side of the comparisons: a plain `DynamoDBDocumentClient` (lib-dynamodb), no ElectroDB,
 * no validation. It asks for `ReturnConsumedCapacity: TOTAL` on every item request, as the
 * library does, and records requests, capacity units and items read the same way, so the two
 * sides are read alike.
 */
export class RawClient {
  readonly doc: DynamoDBDocumentClient
  private readonly recorder = new MetricsRecorder()
  private readonly counts: ItemCounts = { read: 0, returned: 0 }
  private readonly listeners = new Set<(operation: string, input: object) => void>()

  constructor(endpoint: string) {
    this.doc = DynamoDBDocumentClient.from(loopbackClient(endpoint), {
      marshallOptions: { removeUndefinedValues: true },
    })
  }

  async send<T>(command: CommandLike): Promise<T> {
    const known = OPERATIONS[command.constructor.name]
    const operation = known ?? command.constructor.name.replace(/Command$/, '')
    const input = command.input as { ReturnConsumedCapacity?: string } | undefined
    if (input && known) input.ReturnConsumedCapacity ??= 'TOTAL'
    for (const listener of this.listeners) listener(operation, input ?? {})
    let output: { ConsumedCapacity?: unknown } | undefined
    try {
      output = (await this.doc.send(command as never)) as { ConsumedCapacity?: unknown }
      addCounts(this.counts, itemCountsOf(command, output))
    } finally {
      const consumed = output?.ConsumedCapacity
      this.recorder.record(
        operation,
        consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed],
      )
    }
    return output as T
  }

  /** Calls `listener` with each request about to be sent (as the library's transport does); returns the unsubscribe. */
  onRequest(listener: (operation: string, input: object) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  metrics(): RequestMetrics {
    return this.recorder.snapshot()
  }

  itemCounts(): ItemCounts {
    return { ...this.counts }
  }

  destroy(): void {
    this.doc.destroy()
  }
}
