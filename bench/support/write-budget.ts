/**
 * A per-partition write budget as DynamoDB enforces it (1,000 WCU/s per partition on AWS; here a
 * scaled-down budget per partition key value): the WCU of each write by item size, a token bucket
 * per partition key value, and the partition a write request lands on.
 */

type AttributeValue = Record<string, unknown>
type Item = Record<string, AttributeValue>

/** Where a write's WCU came from: the item in the request, the engine's ConsumedCapacity, or a guess. */
export type WcuSource = 'request-item' | 'engine-answer' | 'estimate'

/** One write to one partition: its table, partition key value, and WCU (known now or after the answer). */
export interface PartitionWrite {
  table: string
  partition: string
  wcu: number
  source: WcuSource
}

const utf8 = (value: string) => Buffer.byteLength(value, 'utf8')

/** Bytes DynamoDB counts for one attribute value (numbers: about one byte per two digits, plus one). */
export function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true]
  switch (type) {
    case 'S':
      return utf8(String(v))
    case 'N':
      return Math.ceil(String(v).replace(/^-|\.|e.*$/gi, '').length / 2) + 1
    case 'B':
      return Buffer.from(String(v), 'base64').length
    case 'BOOL':
    case 'NULL':
      return 1
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + utf8(s), 0)
    case 'NS':
      return (v as string[]).reduce((sum, n) => sum + valueSize({ N: n }), 0)
    case 'BS':
      return (v as string[]).reduce((sum, b) => sum + valueSize({ B: b }), 0)
    case 'L':
      return 3 + (v as AttributeValue[]).reduce((sum, e) => sum + 1 + valueSize(e), 0)
    case 'M':
      return 3 + Object.entries(v as Item).reduce((sum, [k, e]) => sum + 1 + utf8(k) + valueSize(e), 0)
    default:
      return 1
  }
}

/** An item's size as DynamoDB counts it: attribute names plus values, in bytes. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0)
}

/** WCU of writing an item of `bytes`: one per started KB (a standard write; transactions count double). */
export const wcuOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024))

const partitionValue = (key: Item | undefined, hash: string) => {
  const value = key?.[hash]
  return value ? JSON.stringify(value) : '?'
}

/**
 * The partition writes of one request, given each table's hash key attribute. PutItem and the
 * puts of a BatchWriteItem/TransactWriteItems carry their item: WCU by its size. UpdateItem and
 * DeleteItem cost the size of the item after the update (the larger of before and after) or of the
 * deleted one, which the request does not show: `estimate` 1 WCU, replaced by the engine's answer
 * when it has ConsumedCapacity (see `LatencyProxy`). Transactions count double.
 */
export function partitionWrites(
  operation: string,
  input: Record<string, unknown>,
  hashKeyOf: (table: string) => string | undefined,
): PartitionWrite[] {
  const one = (
    table: string,
    key: Item | undefined,
    item: Item | undefined,
    factor = 1,
  ): PartitionWrite[] => {
    const hash = hashKeyOf(table)
    if (!hash) return []
    const partition = partitionValue(key ?? item, hash)
    return item
      ? [{ table, partition, wcu: factor * wcuOf(itemSize(item)), source: 'request-item' }]
      : [{ table, partition, wcu: factor, source: 'estimate' }]
  }
  const table = String(input.TableName ?? '')
  switch (operation) {
    case 'PutItem':
      return one(table, undefined, input.Item as Item)
    case 'UpdateItem':
    case 'DeleteItem':
      return one(table, input.Key as Item, undefined)
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, Item[]>).flatMap(
        ([name, requests]) =>
          requests.flatMap((request) => {
            const put = request.PutRequest as { Item?: Item } | undefined
            const del = request.DeleteRequest as { Key?: Item } | undefined
            return put ? one(name, undefined, put.Item) : one(name, del?.Key, undefined)
          }),
      )
    case 'TransactWriteItems':
      return (
        (input.TransactItems ?? []) as Record<string, { TableName?: string; Item?: Item; Key?: Item }>[]
      ).flatMap((entry) => {
        const [kind, action] = Object.entries(entry)[0] ?? []
        if (!action) return []
        return one(String(action.TableName ?? ''), action.Key, kind === 'Put' ? action.Item : undefined, 2)
      })
    default:
      return []
  }
}

/** A token bucket per partition key value: `wcuPerSecond` refill, `burst` WCU banked at most. */
export class PartitionBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  /** WCU charged per partition (table + key value) since the last reset. */
  readonly charged = new Map<string, number>()

  constructor(
    readonly wcuPerSecond: number,
    readonly burst: number,
  ) {}

  private bucket(partition: string, now: number) {
    let bucket = this.buckets.get(partition)
    if (!bucket) {
      bucket = { tokens: this.burst, at: now }
      this.buckets.set(partition, bucket)
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.wcuPerSecond)
    bucket.at = now
    return bucket
  }

  /**
   * Whether every write fits its partition's bucket now (a write needs its WCU banked, or a full
   * bucket when it costs more than the burst). When they all fit, they are charged.
   */
  admit(writes: PartitionWrite[], now = Date.now()): boolean {
    const need = new Map<string, number>()
    for (const w of writes) need.set(keyOf(w), (need.get(keyOf(w)) ?? 0) + w.wcu)
    for (const [partition, wcu] of need) {
      if (this.bucket(partition, now).tokens < Math.min(wcu, this.burst)) return false
    }
    for (const [partition, wcu] of need) this.charge(partition, wcu, now)
    return true
  }

  /** Charges `wcu` more (or refunds, negative) to a partition: a write's cost known after its answer. */
  charge(partition: string, wcu: number, now = Date.now()): void {
    this.bucket(partition, now).tokens -= wcu
    this.charged.set(partition, (this.charged.get(partition) ?? 0) + wcu)
  }

  reset(): void {
    this.buckets.clear()
    this.charged.clear()
  }
}

export const keyOf = (write: Pick<PartitionWrite, 'table' | 'partition'>) =>
  `${write.table} ${write.partition}`
