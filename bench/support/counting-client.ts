import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { DynamoDBClientLike } from '../../src/index.js'

/** Items the engine read (evaluated) and returned, summed over requests. */
export interface ItemCounts {
  read: number
  returned: number
}

interface ReadOutput {
  Item?: unknown
  Items?: unknown[]
  Count?: number
  ScannedCount?: number
  Responses?: Record<string, unknown[]>
}

/**
 * Items one response shows the engine read and returned: `ScannedCount` and `Count` of a Query or
 * Scan, a GetItem hit, the items of a BatchGetItem. Writes count none.
 */
export function itemCountsOf(command: unknown, output: unknown): ItemCounts {
  const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? ''
  const out = (output ?? {}) as ReadOutput
  if (/^(Get|GetItem)Command$/.test(name)) {
    const hit = out.Item ? 1 : 0
    return { read: hit, returned: hit }
  }
  if (/^(Query|Scan)Command$/.test(name)) {
    const returned = out.Count ?? out.Items?.length ?? 0
    return { read: out.ScannedCount ?? returned, returned }
  }
  if (/^(BatchGet|BatchGetItem)Command$/.test(name)) {
    const items = Object.values(out.Responses ?? {}).reduce((sum, list) => sum + list.length, 0)
    return { read: items, returned: items }
  }
  return { read: 0, returned: 0 }
}

/** A DynamoDBClient for a loopback engine (any key works there; one fixed key keeps DynamoDB Local on one database). */
export function loopbackClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })
}

/**
 * A client passed to `createStorageBackend({ backend: { client } })` that counts the items the
 * engine read and returned: what capacity units alone do not show, e.g. a filtered Scan reading a
 * whole table to return one item.
 */
export class CountingClient implements DynamoDBClientLike {
  private counts: ItemCounts = { read: 0, returned: 0 }

  constructor(readonly inner: DynamoDBClient) {}

  async send(command: unknown, options?: unknown): Promise<unknown> {
    const output = await this.inner.send(command as never, options as never)
    addCounts(this.counts, itemCountsOf(command, output))
    return output
  }

  snapshot(): ItemCounts {
    return { ...this.counts }
  }

  destroy(): void {
    this.inner.destroy()
  }
}

export function addCounts(into: ItemCounts, more: ItemCounts): void {
  into.read += more.read
  into.returned += more.returned
}

export function diffCounts(after: ItemCounts, before: ItemCounts): ItemCounts {
  return { read: after.read - before.read, returned: after.returned - before.returned }
}
