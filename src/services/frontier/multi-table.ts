import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem, isOwnItem } from '../../entities/format-item.js'
import { FRONTIER_INDEXES } from '../../entities/frontier.js'
import { ValidationError } from '../../errors.js'
import { keyPart, priorityKey } from '../../keys/key-part.js'
import type { FrontierItem, FrontierStatus } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import { isMissingIndex } from '../plumbing/aws-errors.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
  queryAll,
  queryPage,
} from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import type { FrontierAdapter } from './adapter.js'
import { compareQueueOrder, FrontierTable } from './frontier-store.js'
import { claimDomainItem } from './politeness.js'
import { claimStart, queueKeyOf } from './queue-key.js'
import { queuePlacement } from './queue-write.js'
import { retryPolicyOf } from './retries.js'

/**
 * Item ids of the (run, domain) politeness items in the frontier table: reserved, like `!chunk!`
 * in the versions table, so that no frontier item can overwrite one.
 */
export const DOMAIN_ITEM_PREFIX = '!domain!'

/** How long a fallback read that found no item without the added attributes is not repeated. */
const FALLBACK_QUIET_MS = 60_000

type Key = { runId: string; itemId: string }

const QueueCursorSchema = z.strictObject({ p: z.number(), d: z.iso.datetime(), i: z.string() })
type QueueCursor = z.infer<typeof QueueCursorSchema>

/**
 * The frontier in `{prefix}frontier` (HASH run_id, RANGE item_id: the plain run id, no shards).
 * Added attributes place each item in two added indexes: `queue_key` in `run_id-queue_key-index`
 * (claims: one Query from "due now", see `queue-key.ts`) and `run_status` + `queue_order` in
 * `run_status-queue_order-index` (listing by status in queue order). Items another tool wrote lack
 * them: a fallback read of `run_id-priority-index` (filtered, so its cost grows with the run) finds
 * them, made only when the added index came up short and at most once a minute per backend
 * instance and run once it found none. Tables without the added indexes are read the 0.1 way.
 * Listing without a status reads `run_id-priority-index`, which orders by priority only, so a page
 * also reads the rest of the priority group at its end and orders it by discoveredAt and itemId.
 */
export class MultiTableFrontier extends FrontierTable<Key, ReturnType<typeof storedAttributes>> {
  constructor(ctx: MultiTableContext) {
    super(multiTableAdapter(ctx), ctx.transport, ctx.config.frontierTtlDays, retryPolicyOf(ctx.config))
  }
}

function storedAttributes(item: FrontierItem, ttl: number | undefined) {
  const itemKey = keyPart(item.itemId)
  return {
    ...toStored(item),
    ttl,
    queueKey: queueKeyOf(item, itemKey),
    runStatus: runStatus(item.status, item.runId),
    queueOrder: `${priorityKey(item.priority)}#${item.discoveredAt.toISOString()}#${itemKey}`,
  }
}

/** `<status>#<run>`: injective, since a status never holds `#`. */
function runStatus(status: FrontierStatus, runId: string): string {
  return `${status}#${runId}`
}

function assertNotReserved(itemId: string): void {
  if (itemId.startsWith(DOMAIN_ITEM_PREFIX)) {
    throw new ValidationError([
      {
        path: 'itemId',
        message: `must not start with "${DOMAIN_ITEM_PREFIX}" (reserved for politeness items)`,
      },
    ])
  }
}

function multiTableAdapter(
  ctx: MultiTableContext,
): FrontierAdapter<Key, ReturnType<typeof storedAttributes>> {
  const entity = ctx.entities.frontier
  const table = ctx.names.frontier
  const quiet = new Map<string, number>()
  const fallbackDue = (scope: string) => (quiet.get(scope) ?? 0) <= Date.now()
  const fallbackFound = (scope: string, found: boolean) => {
    if (found) quiet.delete(scope)
    else quiet.set(scope, Date.now() + FALLBACK_QUIET_MS)
  }
  const scan = fallbackScan(ctx, fallbackFound)
  const adapter: FrontierAdapter<Key, ReturnType<typeof storedAttributes>> = {
    key: (runId, itemId) => ({ runId, itemId }),
    attributes: storedAttributes,
    stored: { lease: 'lease_expires_at', writeToken: 'write_token' },
    put: async (attributes, create) => {
      assertNotReserved(attributes.itemId)
      const put = create
        ? entity.put({ ...attributes, writeToken: create.writeToken }).where(create.condition)
        : entity.put(attributes)
      await put.go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    write: async (how, key, change, condition, response) => {
      const queueKey = await queuePlacement(
        change,
        keyPart(key.itemId),
        () => adapter.getConsistent(key),
        (raw) => formatItem(entity, raw),
      )
      const status = (change.set as { status?: FrontierStatus }).status
      const set = {
        ...change.set,
        ...(typeof queueKey === 'string' ? { queueKey } : {}),
        ...(status === undefined ? {} : { runStatus: runStatus(status, key.runId) }),
      }
      const remove = [...(change.remove ?? []), ...(queueKey === undefined ? ['queueKey'] : [])]
      let update = (how === 'update' ? entity.update(key) : entity.patch(key)).set(set as never)
      if (remove.length > 0) update = update.remove(remove as never)
      if (change.add) update = update.add(change.add)
      const { data } = await update
        .where(condition)
        .go({ ...ORIGINAL_ERRORS, response, ignoreOwnership: true })
      return data as Record<string, unknown> | undefined
    },
    getConsistent: async (key) => {
      const output = (await ctx.transport.send(
        new GetCommand({
          TableName: table,
          Key: { run_id: key.runId, item_id: key.itemId },
          ConsistentRead: true,
        }),
      )) as { Item?: Record<string, unknown> }
      return output.Item
    },
    format: (raw) => formatItem(entity, raw) ?? undefined,
    own: (raw) => isOwnItem(entity, raw),
    list: async (runId, options, read) => {
      const status = options?.status
      if (status === undefined) return listByPriority(ctx, runId, options, read)
      try {
        return await listByStatus(ctx, runId, status, options, read, fallbackDue, fallbackFound)
      } catch (error) {
        if (!isMissingIndex(error)) throw error
        return listByPriority(ctx, runId, options, read)
      }
    },
    shards: 1,
    homeShard: () => 0,
    claimPage: async (runId, _shard, window, nowMs, want, start) => {
      let page: { items: Record<string, unknown>[]; next: Record<string, unknown> | undefined }
      try {
        page = await queryItems(ctx, {
          TableName: table,
          IndexName: FRONTIER_INDEXES.byQueue,
          KeyConditionExpression: '#run = :run AND #queue >= :start',
          ExpressionAttributeNames: { '#run': 'run_id', '#queue': 'queue_key' },
          ExpressionAttributeValues: { ':run': runId, ':start': claimStart(nowMs) },
          Limit: window,
          ExclusiveStartKey: start,
        })
      } catch (error) {
        if (!isMissingIndex(error)) throw error
        return { items: start ? [] : await openByPriority(ctx, runId, window), next: undefined }
      }
      if (page.items.length >= want || page.next || !fallbackDue(`claim\u0000${runId}`)) return page
      // Best effort: a failed fallback read leaves this claim to what the index gave.
      const others = await scan.next(runId).catch(() => [])
      return { items: [...page.items, ...others], next: undefined }
    },
    claimDomain: (runId, domain, instantMs, intervalMs, token) =>
      claimDomainItem(
        ctx.transport,
        table,
        { run_id: runId, item_id: `${DOMAIN_ITEM_PREFIX}${keyPart(domain)}` },
        instantMs,
        intervalMs,
        token,
      ),
    deletesOfRun: async function* (runId) {
      const input = {
        TableName: table,
        KeyConditionExpression: '#run = :run',
        ProjectionExpression: '#run, item_id',
        ExpressionAttributeNames: { '#run': 'run_id' },
        ExpressionAttributeValues: { ':run': runId },
      }
      for await (const items of queryAll(ctx.transport, input)) {
        // Politeness items are left to their TTL: clearFrontier counts frontier items only.
        const frontierItems = items.filter((item) => !String(item.item_id).startsWith(DOMAIN_ITEM_PREFIX))
        yield frontierItems.map((item) => ({
          table,
          key: { run_id: item.run_id, item_id: item.item_id },
          id: String(item.item_id),
        }))
      }
    },
  }
  return adapter
}

async function queryItems(ctx: MultiTableContext, input: QueryCommandInput) {
  const output = (await ctx.transport.send(new QueryCommand(input))) as {
    Items?: Record<string, unknown>[]
    LastEvaluatedKey?: Record<string, unknown>
  }
  return { items: output.Items ?? [], next: output.LastEvaluatedKey }
}

/** Requests a fallback read may add to one claim or one listing page (the cost bounds: limit + 3, 3). */
const FALLBACK_BUDGET = 2

type StartKey = Record<string, unknown>

/**
 * Up to `budget` Queries of `run_id-priority-index` from `start`, filtered to items of `statuses`
 * without the added `queue_order` (another tool's): the raw items found (at most `want`) and where
 * to go on (null: the index is done).
 */
async function unindexedPage(
  ctx: MultiTableContext,
  runId: string,
  statuses: FrontierStatus[],
  start: StartKey | undefined,
  want: number,
  budget = FALLBACK_BUDGET,
): Promise<{ raws: Record<string, unknown>[]; next: StartKey | null }> {
  const query = byPriority(ctx.names.frontier, runId)
  const values = Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status]))
  const input = {
    ...query,
    FilterExpression: `(${Object.keys(values)
      .map((v) => `#status = ${v}`)
      .join(' OR ')}) AND attribute_not_exists(#order)`,
    ExpressionAttributeNames: {
      ...query.ExpressionAttributeNames,
      '#status': 'status',
      '#order': 'queue_order',
    },
    ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ...values },
    Limit: 100,
  }
  const raws: Record<string, unknown>[] = []
  let from = start
  for (let request = 0; request < budget; request++) {
    const output = (await ctx.transport.send(new QueryCommand({ ...input, ExclusiveStartKey: from }))) as {
      Items?: Record<string, unknown>[]
      LastEvaluatedKey?: StartKey
    }
    for (const raw of output.Items ?? []) {
      raws.push(raw)
      if (raws.length >= want) {
        const next = { run_id: raw.run_id, item_id: raw.item_id, priority: raw.priority }
        return { raws, next }
      }
    }
    if (!output.LastEvaluatedKey) return { raws, next: null }
    from = output.LastEvaluatedKey
  }
  return { raws, next: from ?? null }
}

/**
 * The claims' fallback read, per run: each claim that came up short reads on where the last one
 * stopped (`FALLBACK_BUDGET` Queries at most), wrapping at the end; a whole pass that found none
 * quiets it for a minute.
 */
function fallbackScan(ctx: MultiTableContext, found: (scope: string, found: boolean) => void) {
  const positions = new Map<string, { start: StartKey | undefined; found: boolean }>()
  return {
    async next(runId: string): Promise<Record<string, unknown>[]> {
      const at = positions.get(runId) ?? { start: undefined, found: false }
      const page = await unindexedPage(ctx, runId, ['pending', 'in_progress'], at.start, 100)
      const seen = at.found || page.raws.length > 0
      if (page.next === null) {
        found(`claim\u0000${runId}`, seen)
        positions.delete(runId)
      } else positions.set(runId, { start: page.next, found: seen })
      return page.raws
    },
  }
}

/**
 * Open (pending or in_progress) items of the run from `run_id-priority-index`, highest priority
 * first, until `window` are found or the index ends (tables without the added indexes: the 0.1
 * claim). A filtered read: its cost grows with the run.
 */
async function openByPriority(
  ctx: MultiTableContext,
  runId: string,
  window: number,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = []
  const query = byPriority(ctx.names.frontier, runId)
  const input = {
    ...query,
    FilterExpression: '#status = :pending OR #status = :leased',
    ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#status': 'status' },
    ExpressionAttributeValues: {
      ...query.ExpressionAttributeValues,
      ':pending': 'pending',
      ':leased': 'in_progress',
    },
    Limit: 100,
  }
  for await (const items of queryAll(ctx.transport, input)) {
    found.push(...items)
    if (found.length >= window) break
  }
  return found
}

const StatusCursorSchema = z.strictObject({ phase: z.enum(['index', 'fallback']), c: z.string().nullable() })

/**
 * One page of the run's items of one status, in queue order, from `run_status-queue_order-index`
 * (at most 3 Queries, whatever the run holds of other statuses); after its last item, the items of
 * that status without the added attributes (another tool's), by the filtered fallback read.
 */
async function listByStatus(
  ctx: MultiTableContext,
  runId: string,
  status: FrontierStatus,
  options: ListOptions | undefined,
  read: (raw: Record<string, unknown>) => FrontierItem | undefined,
  fallbackDue: (scope: string) => boolean,
  fallbackFound: (scope: string, found: boolean) => void,
): Promise<ListResult<FrontierItem>> {
  const limit = pageSize(options)
  const scope = ['frontier-status', runId, status]
  const at = decodeCursor(options?.cursor, StatusCursorSchema, scope) ?? { phase: 'index' as const, c: null }
  const wrap = (phase: 'index' | 'fallback', c: string | null) => encodeCursor({ phase, c }, scope)
  const items: FrontierItem[] = []
  if (at.phase === 'index') {
    const page = await queryPage(
      ctx.transport,
      {
        input: {
          TableName: ctx.names.frontier,
          IndexName: FRONTIER_INDEXES.byStatus,
          KeyConditionExpression: '#rs = :rs',
          ExpressionAttributeNames: { '#rs': 'run_status' },
          ExpressionAttributeValues: { ':rs': runStatus(status, runId) },
        },
        keyAttributes: ['run_id', 'item_id', 'run_status', 'queue_order'],
        read,
      },
      { limit, cursor: at.c },
    )
    if (page.cursor !== null) return { items: page.items, cursor: wrap('index', page.cursor) }
    items.push(...page.items)
  }
  const fallbackScope = `list\u0000${runId}\u0000${status}`
  if (at.phase === 'index' && !fallbackDue(fallbackScope)) return { items, cursor: null }
  if (items.length >= limit) return { items, cursor: wrap('fallback', null) }
  const from = at.phase === 'fallback' && at.c !== null ? (JSON.parse(at.c) as StartKey) : undefined
  const rest = await unindexedPage(
    ctx,
    runId,
    [status],
    from,
    limit - items.length,
    at.phase === 'index' ? FALLBACK_BUDGET : 3,
  )
  const found = rest.raws.flatMap((raw) => read(raw) ?? [])
  if (from === undefined && rest.next === null) fallbackFound(fallbackScope, found.length > 0)
  return {
    items: [...items, ...found],
    cursor: rest.next === null ? null : wrap('fallback', JSON.stringify(rest.next)),
  }
}

/** One listing page: reads on past the page's last priority group so it can be ordered fully. */
async function listByPriority(
  ctx: MultiTableContext,
  run: string,
  options: (ListOptions & { status?: FrontierStatus }) | undefined,
  read: (raw: Record<string, unknown>) => FrontierItem | undefined,
): Promise<ListResult<FrontierItem>> {
  const status = options?.status
  const limit = pageSize(options)
  const scope = ['frontier', run, status ?? null] // a cursor of another run or status is refused
  const after = decodeCursor(options?.cursor, QueueCursorSchema, scope)
  const found: FrontierItem[] = []
  let start: Record<string, unknown> | undefined
  let boundary: number | undefined
  do {
    const output = (await ctx.transport.send(
      new QueryCommand({
        ...byPriority(ctx.names.frontier, run, status, after?.p),
        Limit: limit + 1,
        ExclusiveStartKey: start,
      }),
    )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
    for (const raw of output.Items ?? []) {
      const item = read(raw)
      if (item && (!after || compareQueueOrder(item, cursorItem(after)) > 0)) found.push(item)
    }
    start = output.LastEvaluatedKey
    found.sort(compareQueueOrder)
    boundary = found.length >= limit ? found[limit - 1]!.priority : undefined
  } while (start && (boundary === undefined || Number(start.priority) === boundary))
  const items = found.slice(0, limit)
  const more = found.length > limit || start !== undefined
  const last = items[items.length - 1]
  return {
    items,
    cursor:
      more && last
        ? encodeCursor({ p: last.priority, d: last.discoveredAt.toISOString(), i: last.itemId }, scope)
        : null,
  }
}

/** A Query of the run's items, highest priority first, optionally of one status and from a priority down. */
function byPriority(table: string, run: string, status?: FrontierStatus, atMost?: number) {
  return {
    TableName: table,
    IndexName: FRONTIER_INDEXES.byPriority,
    KeyConditionExpression: atMost === undefined ? '#run = :run' : '#run = :run AND #priority <= :atMost',
    ScanIndexForward: false,
    ...(status ? { FilterExpression: '#status = :status' } : {}),
    ExpressionAttributeNames: {
      '#run': 'run_id',
      ...(atMost === undefined ? {} : { '#priority': 'priority' }),
      ...(status ? { '#status': 'status' } : {}),
    } as Record<string, string>,
    ExpressionAttributeValues: {
      ':run': run,
      ...(atMost === undefined ? {} : { ':atMost': atMost }),
      ...(status ? { ':status': status } : {}),
    } as Record<string, unknown>,
  }
}

/** A stand-in item at the cursor's place in queue order. */
function cursorItem(cursor: QueueCursor): FrontierItem {
  return { priority: cursor.p, discoveredAt: new Date(cursor.d), itemId: cursor.i } as FrontierItem
}
