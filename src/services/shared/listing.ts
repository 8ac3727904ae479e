import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBClientLike } from '../../config.js'
import { ValidationError } from '../../errors.js'

export interface ListOptions {
  /** Items per page (matching items, filters included); default 100. */
  limit?: number
  /** Where the previous page stopped; `null`/absent starts at the beginning. */
  cursor?: string | null
}

export interface ListResult<T> {
  items: T[]
  /** `null` when there is nothing more. */
  cursor: string | null
}

export const DEFAULT_PAGE_SIZE = 100
/** Queries one page may spend before it returns what it has with a cursor (its read budget). */
const READ_BUDGET = 25

type Key = Record<string, unknown>

export function pageSize(options: ListOptions | undefined): number {
  const limit = options?.limit ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ValidationError([{ path: 'limit', message: 'must be an integer from 1 to 1000' }])
  }
  return limit
}

export function encodeCursor(state: unknown): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url')
}

export function decodeCursor<T>(
  cursor: string | null | undefined,
  check: (value: unknown) => value is T,
): T | undefined {
  if (cursor === null || cursor === undefined) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (check(value)) return value
  } catch {
    // falls through to the ValidationError below
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor returned by this listing' }])
}

const isKey = (value: unknown): value is Key =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A Query to page through: its input, the key attributes of its index, and how to read an item. */
export interface PagedQuery<T> {
  input: QueryCommandInput
  /** Table and index key attribute names: a cursor is these attributes of the last item returned. */
  keyAttributes: readonly string[]
  /** The model object of a raw item, or `undefined` to leave it out (not ours, expired, partial). */
  read: (raw: Record<string, unknown>) => T | undefined | Promise<T | undefined>
}

/**
 * One page of a Query with the list semantics of the API: exactly `limit` items whenever that many
 * remain, a cursor only when more may follow, never an empty page with a cursor unless the read
 * budget ran out. Asks DynamoDB for one item more than needed, so a full last page ends with `null`.
 */
export async function queryPage<T>(
  client: DynamoDBClientLike,
  query: PagedQuery<T>,
  options: ListOptions | undefined,
): Promise<ListResult<T>> {
  const limit = pageSize(options)
  let start = decodeCursor(options?.cursor, isKey)
  const found: { raw: Record<string, unknown>; item: T }[] = []
  for (let request = 0; request < READ_BUDGET; request++) {
    const output = (await client.send(
      new QueryCommand({ ...query.input, Limit: limit - found.length + 1, ExclusiveStartKey: start }),
    )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Key }
    for (const raw of output.Items ?? []) {
      const item = await query.read(raw)
      if (item !== undefined) found.push({ raw, item })
    }
    if (found.length > limit) {
      const last = found[limit - 1]!.raw
      return {
        items: found.slice(0, limit).map((f) => f.item),
        cursor: encodeCursor(pick(last, query.keyAttributes)),
      }
    }
    if (!output.LastEvaluatedKey) return { items: found.map((f) => f.item), cursor: null }
    start = output.LastEvaluatedKey
  }
  return { items: found.map((f) => f.item), cursor: start ? encodeCursor(start) : null }
}

/** Every item of a Query, page by page (deletes and migrations). */
export async function* queryAll(
  client: DynamoDBClientLike,
  input: QueryCommandInput,
): AsyncGenerator<Record<string, unknown>[]> {
  let start: Key | undefined
  do {
    const output = (await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }))) as {
      Items?: Record<string, unknown>[]
      LastEvaluatedKey?: Key
    }
    yield output.Items ?? []
    start = output.LastEvaluatedKey
  } while (start)
}

export function pick(item: Record<string, unknown>, attributes: readonly string[]): Key {
  const key: Key = {}
  for (const name of attributes) if (item[name] !== undefined) key[name] = item[name]
  return key
}

/**
 * A listing merged from several Query partitions (frontier shards and statuses), in the order of
 * `sortKey`. The cursor holds each partition's position: the key of its last item returned, or
 * `true` once the partition is exhausted.
 */
export async function mergedQueryPage<T>(
  client: DynamoDBClientLike,
  partitions: PagedQuery<T>[],
  sortKey: (raw: Record<string, unknown>) => string,
  options: ListOptions | undefined,
): Promise<ListResult<T>> {
  const limit = pageSize(options)
  const positions =
    decodeCursor(
      options?.cursor,
      (value): value is (Key | true | null)[] => Array.isArray(value) && value.length === partitions.length,
    ) ?? partitions.map(() => null)
  const pages = await Promise.all(
    partitions.map(async (partition, index) => {
      const position = positions[index]
      if (position === true) return { rows: [], done: true }
      const cursor = position ? encodeCursor(position) : null
      const rows: { raw: Record<string, unknown>; item: T }[] = []
      const reader: PagedQuery<T> = {
        ...partition,
        read: async (raw) => {
          const item = await partition.read(raw)
          if (item !== undefined) rows.push({ raw, item })
          return item
        },
      }
      const page = await queryPage(client, reader, { limit, cursor })
      return { rows, done: page.cursor === null }
    }),
  )
  const merged = pages
    .flatMap((page, partition) => page.rows.slice(0, limit).map((row) => ({ ...row, partition })))
    .sort((a, b) => (sortKey(a.raw) < sortKey(b.raw) ? -1 : sortKey(a.raw) > sortKey(b.raw) ? 1 : 0))
    .slice(0, limit)
  const next = [...positions]
  pages.forEach((page, partition) => {
    const taken = merged.filter((row) => row.partition === partition)
    const rowsShown = Math.min(page.rows.length, limit)
    if (page.done && taken.length === rowsShown) next[partition] = true
    else if (taken.length > 0)
      next[partition] = pick(taken[taken.length - 1]!.raw, partitions[partition]!.keyAttributes)
  })
  const finished = next.every((position) => position === true)
  return { items: merged.map((row) => row.item), cursor: finished ? null : encodeCursor(next) }
}

/**
 * A listing that reads several Queries one after another (all of the first, then the second…).
 * The cursor holds which Query it is in and that Query's own cursor.
 */
export async function chainedQueryPage<T>(
  client: DynamoDBClientLike,
  queries: PagedQuery<T>[],
  options: ListOptions | undefined,
): Promise<ListResult<T>> {
  const limit = pageSize(options)
  const position = decodeCursor(
    options?.cursor,
    (value): value is { q: number; c: string | null } =>
      typeof (value as { q?: unknown })?.q === 'number' && (value as { q: number }).q < queries.length,
  ) ?? { q: 0, c: null }
  const items: T[] = []
  let { q, c } = position
  while (q < queries.length) {
    const page = await queryPage(client, queries[q]!, { limit: limit - items.length, cursor: c })
    items.push(...page.items)
    if (page.cursor !== null) return { items, cursor: encodeCursor({ q, c: page.cursor }) }
    q++
    c = null
    if (items.length === limit) {
      // Full, and this Query is done: whether the next ones hold anything is left to the next page,
      // unless none is left.
      return { items, cursor: q < queries.length ? encodeCursor({ q, c: null }) : null }
    }
  }
  return { items, cursor: null }
}
