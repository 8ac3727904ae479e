import { createHash } from 'node:crypto'
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import type { DynamoDBClientLike } from '../../config.js'
import { ValidationError } from '../../errors.js'
import { awsErrorName } from './aws-errors.js'

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

/**
 * A cursor: base64url JSON of the listing's position (`k`) and a digest of that position with the
 * listing it belongs to (`s`: its table, index, order and key condition, with the values that pin
 * the partition), so that a cursor of another site, run, page or method, an edited or a hand-made
 * one, is refused. Opaque to callers; a cursor of 0.1 (no digest) is refused too.
 */
export function encodeCursor(state: unknown, scope?: unknown): string {
  const envelope: CursorEnvelope = { v: CURSOR_VERSION, s: digestOf(scope, state), k: state }
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url')
}

/**
 * The position in a cursor `encodeCursor(state, scope)` returned; `undefined` for no cursor. A
 * cursor of another scope, not of this format, or whose position fails `check` (a type guard or a
 * zod schema) is a ValidationError naming `cursor`.
 */
export function decodeCursor<T>(
  cursor: string | null | undefined,
  check: ((value: unknown) => value is T) | z.ZodType<T>,
  scope?: unknown,
): T | undefined {
  if (cursor === null || cursor === undefined) return undefined
  const envelope = parseEnvelope(cursor)
  if (envelope && envelope.s === digestOf(scope, envelope.k)) {
    if (typeof check === 'function') {
      if (check(envelope.k)) return envelope.k
    } else {
      const parsed = check.safeParse(envelope.k)
      if (parsed.success) return parsed.data
    }
  }
  throw invalidCursor()
}

const CURSOR_VERSION = 1
const CursorEnvelopeSchema = z.strictObject({ v: z.literal(CURSOR_VERSION), s: z.string(), k: z.unknown() })
type CursorEnvelope = z.infer<typeof CursorEnvelopeSchema>

function invalidCursor(cause?: unknown): ValidationError {
  return new ValidationError(
    [{ path: 'cursor', message: 'is not a cursor returned by this listing' }],
    cause === undefined ? undefined : { cause },
  )
}

/** Binds a position to its listing: a position moved into another listing's cursor is refused too. */
function digestOf(scope: unknown, state: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([scope ?? null, state ?? null]))
    .digest('base64url')
    .slice(0, 16)
}

/** The envelope of a well-formed cursor (no number JSON cannot hold, such as `1e999`), else undefined. */
function parseEnvelope(cursor: string): CursorEnvelope | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'), (_, inner) => {
      if (typeof inner === 'number' && !Number.isFinite(inner)) throw new RangeError('not a finite number')
      return inner
    })
    const parsed = CursorEnvelopeSchema.safeParse(value)
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

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
  const scope = scopeOf(query)
  const start = decodeCursor(options?.cursor, (value): value is Key => isPositionOf(query, value), scope)
  const page = await queryFrom(client, query, limit, start)
  return { items: page.rows.map((row) => row.item), cursor: page.next && encodeCursor(page.next, scope) }
}

interface QueryRows<T> {
  rows: { raw: Record<string, unknown>; item: T }[]
  /** The key to go on after, or null when the Query is done. */
  next: Key | null
}

/**
 * Up to `limit` items of `query` after `start` (a position a cursor of this query held). Without a
 * filter each request asks for what is still wanted (+1). Under a filter DynamoDB's `Limit` counts
 * items read, not matches, so shrinking it to what is wanted would starve a sparse filter of its
 * read budget: after the first (full) page each request is sized by the matches per item read so
 * far, within a budget of `READ_BUDGET` full pages of items read (the most a page read before).
 */
async function queryFrom<T>(
  client: DynamoDBClientLike,
  query: PagedQuery<T>,
  limit: number,
  start: Key | undefined,
): Promise<QueryRows<T>> {
  const found: { raw: Record<string, unknown>; item: T }[] = []
  const filtered = query.input.FilterExpression !== undefined
  const itemBudget = READ_BUDGET * (limit + 1)
  let scanned = 0
  let from = start
  for (let request = 0; request < READ_BUDGET && scanned < itemBudget; request++) {
    const wanted = limit - found.length + 1
    const ask = filtered ? filteredLimit(wanted, found.length, scanned, itemBudget - scanned) : wanted
    const output = (await sendQuery(client, query, ask, from, request === 0 && start)) as {
      Items?: Record<string, unknown>[]
      LastEvaluatedKey?: Key
      ScannedCount?: number
    }
    scanned += output.ScannedCount ?? output.Items?.length ?? 0
    for (const raw of output.Items ?? []) {
      const item = await query.read(raw)
      if (item !== undefined) found.push({ raw, item })
    }
    if (found.length > limit) {
      return { rows: found.slice(0, limit), next: pick(found[limit - 1]!.raw, query.keyAttributes) }
    }
    if (!output.LastEvaluatedKey) return { rows: found, next: null }
    from = output.LastEvaluatedKey
  }
  return { rows: found, next: from ?? null }
}

/**
 * The `Limit` of a filtered request: the `wanted` matches at the rate seen so far (four times what
 * was read while nothing matched), at least `wanted`, at most what is left of the item budget.
 */
function filteredLimit(wanted: number, matched: number, scanned: number, left: number): number {
  const estimate = matched === 0 ? scanned * 4 : Math.ceil((wanted * scanned) / matched)
  return Math.max(1, Math.min(left, Math.max(wanted, estimate)))
}

/** A start key from a cursor that the engine still refuses (outside the key condition's range) is the cursor's fault. */
async function sendQuery<T>(
  client: DynamoDBClientLike,
  query: PagedQuery<T>,
  limit: number,
  start: Key | undefined,
  fromCursor: unknown,
): Promise<unknown> {
  try {
    return await client.send(new QueryCommand({ ...query.input, Limit: limit, ExclusiveStartKey: start }))
  } catch (error) {
    if (fromCursor && awsErrorName(error) === 'ValidationException') throw invalidCursor(error)
    throw error
  }
}

/** The key conditions of a Query: attributes it pins to a value, and to a prefix. */
function keyConditions(input: QueryCommandInput): {
  equal: [string, unknown][]
  prefix: [string, unknown][]
} {
  const expression = input.KeyConditionExpression ?? ''
  const names = input.ExpressionAttributeNames ?? {}
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>
  const pair = (match: RegExpMatchArray): [string, unknown] => [
    names[match[1]!] ?? match[1]!,
    values[match[2]!],
  ]
  return {
    equal: [...expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)].map(pair),
    prefix: [...expression.matchAll(/begins_with\s*\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)/gi)].map(pair),
  }
}

/**
 * What a cursor of `query` is bound to: table, index, order, key attributes and the key condition
 * with its equality and prefix values (the partition: a site, run or page). Range bounds are left
 * out: a cutoff computed from the clock moves from one page to the next.
 */
function scopeOf(query: PagedQuery<unknown>): unknown {
  const { input } = query
  return [
    input.TableName,
    input.IndexName ?? null,
    input.ScanIndexForward !== false,
    input.KeyConditionExpression ?? null,
    query.keyAttributes,
    keyConditions(input),
  ]
}

const KeyValueSchema = z.union([z.string(), z.number()])

/** A key `query` could have returned: its key attributes only, typed, inside its key condition. */
function isPositionOf(query: PagedQuery<unknown>, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const entries = Object.entries(value)
  if (entries.length === 0) return false
  if (
    !entries.every(([name, v]) => query.keyAttributes.includes(name) && KeyValueSchema.safeParse(v).success)
  )
    return false
  const key = value as Key
  const { equal, prefix } = keyConditions(query.input)
  return (
    equal.every(([name, v]) => !query.keyAttributes.includes(name) || key[name] === v) &&
    prefix.every(
      ([name, v]) =>
        !query.keyAttributes.includes(name) ||
        (typeof key[name] === 'string' && typeof v === 'string' && key[name].startsWith(v)),
    )
  )
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
  const scope = partitions.map(scopeOf)
  const positions =
    decodeCursor(
      options?.cursor,
      (value): value is (Key | true | null)[] =>
        Array.isArray(value) &&
        value.length === partitions.length &&
        value.every((p, i) => p === true || p === null || isPositionOf(partitions[i]!, p)),
      scope,
    ) ?? partitions.map(() => null)
  const pages = await Promise.all(
    partitions.map(async (partition, index) => {
      const position = positions[index]
      if (position === true) return { rows: [], done: true }
      const page = await queryFrom(client, partition, limit, position ?? undefined)
      return { rows: page.rows, done: page.next === null }
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
  return { items: merged.map((row) => row.item), cursor: finished ? null : encodeCursor(next, scope) }
}

const ChainPositionSchema = z.strictObject({ q: z.number().int().nonnegative(), c: z.string().nullable() })

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
  const scope = queries.map(scopeOf)
  const position = decodeCursor(
    options?.cursor,
    ChainPositionSchema.refine((p) => p.q < queries.length),
    scope,
  ) ?? { q: 0, c: null }
  const items: T[] = []
  let { q, c } = position
  while (q < queries.length) {
    const page = await queryPage(client, queries[q]!, { limit: limit - items.length, cursor: c })
    items.push(...page.items)
    if (page.cursor !== null) return { items, cursor: encodeCursor({ q, c: page.cursor }, scope) }
    q++
    c = null
    if (items.length === limit) {
      // Full, and this Query is done: whether the next ones hold anything is left to the next page,
      // unless none is left.
      return { items, cursor: q < queries.length ? encodeCursor({ q, c: null }, scope) : null }
    }
  }
  return { items, cursor: null }
}
