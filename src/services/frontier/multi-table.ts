import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { FRONTIER_INDEXES } from '../../entities/frontier.js'
import type { FrontierItem, FrontierStatus } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
  queryAll,
} from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import type { FrontierAdapter } from './adapter.js'
import { compareQueueOrder, FrontierTable } from './frontier-store.js'
import { retryPolicyOf } from './retries.js'

type Key = { runId: string; itemId: string }

const QueueCursorSchema = z.strictObject({ p: z.number(), d: z.iso.datetime(), i: z.string() })
type QueueCursor = z.infer<typeof QueueCursorSchema>

/**
 * The frontier in `{prefix}frontier` (HASH run_id, RANGE item_id: the plain run id, no shards),
 * listed and claimed through the added `run_id-priority-index`. That index orders by priority
 * only, so a page also reads the rest of the priority group at its end and orders it by
 * discoveredAt and itemId, as the single table does.
 */
export class MultiTableFrontier extends FrontierTable<Key, ReturnType<typeof storedAttributes>> {
  constructor(ctx: MultiTableContext) {
    super(multiTableAdapter(ctx), ctx.transport, ctx.config.frontierTtlDays, retryPolicyOf(ctx.config))
  }
}

function storedAttributes(item: FrontierItem, ttl: number | undefined) {
  return { ...toStored(item), ttl }
}

function multiTableAdapter(
  ctx: MultiTableContext,
): FrontierAdapter<Key, ReturnType<typeof storedAttributes>> {
  const entity = ctx.entities.frontier
  const table = ctx.names.frontier
  return {
    key: (runId, itemId) => ({ runId, itemId }),
    attributes: storedAttributes,
    stored: { lease: 'lease_expires_at', writeToken: 'write_token' },
    put: async (attributes, create) => {
      const put = create
        ? entity.put({ ...attributes, writeToken: create.writeToken }).where(create.condition)
        : entity.put(attributes)
      await put.go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    write: async (how, key, change, condition, response) => {
      let update = (how === 'update' ? entity.update(key) : entity.patch(key)).set(change.set as never)
      if (change.remove) update = update.remove(change.remove as never)
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
    list: (runId, options, read) => listByPriority(ctx, runId, options, read),
    // Lease ends are judged after reading, not in a filter: another tool's times (no milliseconds,
    // `+00:00`, other offsets) compare by the instant they name, which a string comparison does not.
    claimQueries: (runId, claim) =>
      (['pending', 'in_progress'] as const).map((status) =>
        queryAll(ctx.transport, {
          ...byPriority(table, runId, status),
          Limit: Math.min(100, claim.limit * 2),
        }),
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
        yield items.map((item) => ({
          table,
          key: { run_id: item.run_id, item_id: item.item_id },
          id: String(item.item_id),
        }))
      }
    },
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
