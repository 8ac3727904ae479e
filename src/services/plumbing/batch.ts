import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBClientLike } from '../../config.js'
import { CapacityError } from '../../errors.js'
import { isRetryable } from './aws-errors.js'
import { backoffMs, mapConcurrent, sleep } from './retry.js'

/**
 * One write of a batch: a put of `item` when given, else a delete of `key`; `key` is the item's
 * primary key and `id` what to report if the write is left unsaved.
 */
export interface BatchWrite {
  table: string
  key: Record<string, unknown>
  item?: Record<string, unknown>
  id: string
}

type WriteRequest = {
  PutRequest?: { Item?: Record<string, unknown> }
  DeleteRequest?: { Key?: Record<string, unknown> }
}

export interface BatchOptions {
  /** Rounds of retry for unprocessed items and retryable errors. */
  maxRetries?: number
  /** BatchWriteItem requests in flight at once. */
  concurrency?: number
  /** What the writes are, for the CapacityError message (e.g. `pageId`). */
  idLabel?: string
}

const BATCH_SIZE = 25

/**
 * Writes in BatchWriteItem requests of 25, retrying unprocessed items and retryable errors
 * (throttling, 5xx, dropped connections) with capped exponential backoff and full jitter. When the
 * retries run out it throws `CapacityError` naming every write left unwritten.
 */
export async function batchWrite(
  client: DynamoDBClientLike,
  writes: readonly BatchWrite[],
  options: BatchOptions = {},
): Promise<void> {
  const maxRetries = options.maxRetries ?? 10
  const chunks: BatchWrite[][] = []
  for (let i = 0; i < writes.length; i += BATCH_SIZE) chunks.push(writes.slice(i, i + BATCH_SIZE))
  const results = await mapConcurrent(chunks, options.concurrency ?? 4, (chunk) =>
    writeChunk(client, chunk, maxRetries),
  )
  const unwritten = results.flatMap((result) => (result.status === 'fulfilled' ? result.value.unwritten : []))
  const failure = results.find((result) => result.status === 'rejected')
  if (failure) throw (failure as PromiseRejectedResult).reason
  if (unwritten.length > 0) {
    const cause = results.find((r) => r.status === 'fulfilled' && r.value.lastError)
    const label = options.idLabel ?? 'id'
    throw new CapacityError(
      `${unwritten.length} of ${writes.length} writes were not processed after ${maxRetries} retries; unsaved ${label}s: ${unwritten.map((w) => w.id).join(', ')}`,
      {
        unprocessed: unwritten.map((w) => w.id),
        cause: cause?.status === 'fulfilled' ? cause.value.lastError : undefined,
      },
    )
  }
}

async function writeChunk(
  client: DynamoDBClientLike,
  chunk: BatchWrite[],
  maxRetries: number,
): Promise<{ unwritten: BatchWrite[]; lastError?: unknown }> {
  let pending = chunk
  let lastError: unknown
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      if (attempt > maxRetries) return { unwritten: pending, lastError }
      await sleep(backoffMs(attempt))
    }
    try {
      const output = (await client.send(new BatchWriteCommand({ RequestItems: requestItems(pending) }))) as {
        UnprocessedItems?: Record<string, WriteRequest[]>
      }
      pending = unprocessedOf(pending, output.UnprocessedItems)
    } catch (error) {
      if (!isRetryable(error)) throw error
      lastError = error
    }
  }
  return { unwritten: [] }
}

function requestItems(writes: BatchWrite[]) {
  const byTable: Record<string, object[]> = {}
  for (const write of writes) {
    byTable[write.table] ??= []
    byTable[write.table]!.push(
      write.item ? { PutRequest: { Item: write.item } } : { DeleteRequest: { Key: write.key } },
    )
  }
  return byTable
}

/** Matches UnprocessedItems back to our writes by table and primary key. */
function unprocessedOf(
  sent: BatchWrite[],
  unprocessed: Record<string, WriteRequest[]> | undefined,
): BatchWrite[] {
  if (!unprocessed || Object.keys(unprocessed).length === 0) return []
  const keyNames = new Map(sent.map((write) => [write.table, Object.keys(write.key)]))
  const left = new Set<string>()
  for (const [table, requests] of Object.entries(unprocessed)) {
    for (const request of requests) {
      const body = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}
      left.add(fingerprint(table, body, keyNames.get(table) ?? []))
    }
  }
  return sent.filter((write) => left.has(fingerprint(write.table, write.key, Object.keys(write.key))))
}

function fingerprint(table: string, value: Record<string, unknown>, keyNames: string[]): string {
  return JSON.stringify([table, ...keyNames.map((name) => value[name])])
}

/** DynamoDB's limit of keys per BatchGetItem. */
const KEYS_PER_READ = 100

export interface BatchGetOptions {
  consistent?: boolean
  /** Attributes to read (the key attributes are always read, to match answers to keys). */
  projection?: readonly string[]
  /** Rounds of retry for unprocessed keys and retryable errors. */
  maxRetries?: number
}

/**
 * Reads items of one table by key with BatchGetItem (100 keys a request), retrying unprocessed
 * keys and retryable errors with capped exponential backoff and full jitter. Returns the items
 * found and the keys left unread — after the retries, or at the first error that is not
 * retryable — so the caller decides whether a partial answer will do.
 */
export async function batchGet(
  client: DynamoDBClientLike,
  table: string,
  keys: readonly Record<string, unknown>[],
  options: BatchGetOptions = {},
): Promise<{ items: Record<string, unknown>[]; unread: Record<string, unknown>[]; lastError?: unknown }> {
  const maxRetries = options.maxRetries ?? 10
  const keyNames = keys[0] ? Object.keys(keys[0]) : []
  const projection = options.projection && [...new Set([...keyNames, ...options.projection])]
  const names = projection && Object.fromEntries(projection.map((name, i) => [`#p${i}`, name]))
  const items: Record<string, unknown>[] = []
  const unread: Record<string, unknown>[] = []
  let lastError: unknown
  for (let start = 0; start < keys.length; start += KEYS_PER_READ) {
    let pending = keys.slice(start, start + KEYS_PER_READ)
    for (let attempt = 0; pending.length > 0 && attempt <= maxRetries; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt))
      try {
        const output = (await client.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(options.consistent ? { ConsistentRead: true } : {}),
                ...(names
                  ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }
                  : {}),
              },
            },
          }),
        )) as {
          Responses?: Record<string, Record<string, unknown>[]>
          UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>
        }
        items.push(...(output.Responses?.[table] ?? []))
        pending = output.UnprocessedKeys?.[table]?.Keys ?? []
      } catch (error) {
        lastError = error
        if (!isRetryable(error)) break
      }
    }
    unread.push(...pending)
  }
  return { items, unread, ...(lastError === undefined ? {} : { lastError }) }
}
