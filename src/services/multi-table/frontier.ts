import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { FRONTIER_INDEXES } from '../../entities/frontier.js'
import { fromStored } from '../../model/read.js'
import { type FrontierItem, FrontierItemSchema, type FrontierStatus } from '../../model/schemas.js'
import type { FrontierStore, StatusRequest } from '../layout.js'
import type { Claim } from '../options.js'
import { newWriteToken } from '../pages/page-write.js'
import { isConditionFailure } from '../plumbing/aws-errors.js'
import { batchWrite } from '../plumbing/batch.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
  queryAll,
} from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import {
  alreadyApplied,
  candidatesOf,
  compareQueueOrder,
  enqueueEach,
  expiryOf,
  isExpired,
  releaseCondition,
  type StatusUpdate,
  statusChange,
  statusUpdateFailure,
  type Taker,
  takeCondition,
  takeInOrder,
  takenState,
} from '../shared/frontier.js'
import type { MultiTableContext } from './context.js'

/** Stored attribute names read raw: the lease end (compared exactly by a take) and the write token. */
const LEASE = 'lease_expires_at'
const WRITE_TOKEN = 'write_token'

const QueueCursorSchema = z.strictObject({ p: z.number(), d: z.iso.datetime(), i: z.string() })
type QueueCursor = z.infer<typeof QueueCursorSchema>

/**
 * The frontier in `{prefix}frontier` (HASH run_id, RANGE item_id: the plain run id, no shards),
 * listed and claimed through the added `run_id-priority-index`. That index orders by priority
 * only, so a page also reads the rest of the priority group at its end and orders it by
 * discoveredAt and itemId, as the single table does.
 */
export class MultiTableFrontier implements FrontierStore {
  constructor(private readonly ctx: MultiTableContext) {}

  async save(item: FrontierItem): Promise<FrontierItem> {
    await this.ctx.entities.frontier.put(this.attributes(item)).go({ ...ORIGINAL_ERRORS, response: 'none' })
    return item
  }

  async enqueue(items: FrontierItem[]): Promise<{ added: number; duplicates: number }> {
    return enqueueEach(
      items,
      (item, guard) =>
        this.ctx.entities.frontier
          .put({ ...this.attributes(item), writeToken: guard.writeToken })
          .where(guard.condition)
          .go({ ...ORIGINAL_ERRORS, response: 'none' }),
      isConditionFailure,
    )
  }

  async list(
    run: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>> {
    const status = options?.status === undefined ? undefined : options.status
    const limit = pageSize(options)
    const scope = ['frontier', run, status ?? null] // a cursor of another run or status is refused
    const after = decodeCursor(options?.cursor, QueueCursorSchema, scope)
    const found: FrontierItem[] = []
    let start: Record<string, unknown> | undefined
    let boundary: number | undefined
    do {
      const output = (await this.ctx.transport.send(
        new QueryCommand({
          ...this.byPriority(run, status, after?.p),
          Limit: limit + 1,
          ExclusiveStartKey: start,
        }),
      )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
      for (const raw of output.Items ?? []) {
        const item = this.read(raw)
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

  /** Claims pending items, then expired leases, each in queue order; returns them in queue order. */
  async claim(run: string, claim: Claim): Promise<FrontierItem[]> {
    const passes = (['pending', 'in_progress'] as const).map((status) =>
      this.candidates(run, status, claim.limit),
    )
    const claimed = await takeInOrder(passes, claim.limit, claim, this.taker)
    return claimed.sort(compareQueueOrder)
  }

  async updateStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    request: StatusRequest,
  ): Promise<FrontierItem> {
    const run = runId
    const id = itemId
    const next = status
    const owner = request.workerId
    const error = request.error
    const change = statusChange(next, new Date(), this.ctx.config.frontierTtlDays, error)
    const key = { runId: run, itemId: id }
    const sent: StatusUpdate = { token: newWriteToken(), next, owner, error }
    const update = this.ctx.entities.frontier
      .patch(key)
      .set({ ...change.set, writeToken: sent.token })
      .remove(change.remove)
    if (change.countsRetry) update.add({ retryCount: 1 })
    update.where((attr, op) => {
      const fresh = `(${op.notExists(attr.writeToken)} OR ${op.ne(attr.writeToken, sent.token)})`
      if (owner === undefined) return fresh
      return `(${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, 'in_progress')} AND ${fresh})`
    })
    try {
      const { data } = await update.go({ ...ORIGINAL_ERRORS, response: 'all_new', ignoreOwnership: true })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause
      const raw = await this.readConsistent(key)
      const stored = raw && this.read(raw)
      if (stored && alreadyApplied(stored, raw[WRITE_TOKEN], sent)) return stored
      throw statusUpdateFailure(stored ?? null, run, id, owner, cause)
    }
  }

  async clear(run: string): Promise<number> {
    let deleted = 0
    const input = {
      TableName: this.ctx.names.frontier,
      KeyConditionExpression: '#run = :run',
      ProjectionExpression: '#run, item_id',
      ExpressionAttributeNames: { '#run': 'run_id' },
      ExpressionAttributeValues: { ':run': run },
    }
    for await (const items of queryAll(this.ctx.transport, input)) {
      await batchWrite(
        this.ctx.transport,
        items.map((item) => ({
          table: this.ctx.names.frontier,
          key: { run_id: item.run_id, item_id: item.item_id },
          id: String(item.item_id),
        })),
      )
      deleted += items.length
    }
    return deleted
  }

  /**
   * The claimable items of one status in queue order. Lease ends are judged here, after reading,
   * not in the filter: another tool's times (no milliseconds, `+00:00`, other offsets) compare by
   * the instant they name, which a string comparison does not.
   */
  private candidates(run: string, status: 'pending' | 'in_progress', want: number) {
    const input = { ...this.byPriority(run, status), Limit: Math.min(100, want * 2) }
    return candidatesOf(queryAll(this.ctx.transport, input), (raw) => this.read(raw), LEASE)
  }

  private readonly taker: Taker = {
    take: async (candidate, attempt) => {
      const { item } = candidate
      try {
        const { data } = await this.ctx.entities.frontier
          .update({ runId: item.runId, itemId: item.itemId })
          .set(takenState(attempt))
          .where(takeCondition(candidate, attempt))
          .go({ ...ORIGINAL_ERRORS, response: 'all_new', ignoreOwnership: true })
        return fromStored(FrontierItemSchema, data, 'frontier item')
      } catch (error) {
        if (isConditionFailure(error)) return null
        throw error
      }
    },
    landed: async ({ item }, attempt) => {
      const raw = await this.readConsistent({ runId: item.runId, itemId: item.itemId })
      return raw?.status === 'in_progress' && raw[WRITE_TOKEN] === attempt.token
        ? (this.read(raw) ?? null)
        : null
    },
    release: async ({ item }, attempt) => {
      const change = statusChange('pending', new Date(), this.ctx.config.frontierTtlDays)
      await this.ctx.entities.frontier
        .patch({ runId: item.runId, itemId: item.itemId })
        .set(change.set)
        .remove(change.remove)
        .where(releaseCondition(attempt))
        .go({ ...ORIGINAL_ERRORS, response: 'none', ignoreOwnership: true })
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error
        })
    },
  }

  /** The raw item, read strongly consistently (undefined when absent). */
  private async readConsistent(key: { runId: string; itemId: string }) {
    const output = (await this.ctx.transport.send(
      new GetCommand({
        TableName: this.ctx.names.frontier,
        Key: { run_id: key.runId, item_id: key.itemId },
        ConsistentRead: true,
      }),
    )) as { Item?: Record<string, unknown> }
    return output.Item
  }

  /** A Query of the run's items, highest priority first, optionally of one status and from a priority down. */
  private byPriority(run: string, status?: FrontierStatus, atMost?: number) {
    return {
      TableName: this.ctx.names.frontier,
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
    } as {
      TableName: string
      IndexName: string
      KeyConditionExpression: string
      ScanIndexForward: boolean
      FilterExpression?: string
      ExpressionAttributeNames: Record<string, string>
      ExpressionAttributeValues: Record<string, unknown>
    }
  }

  private read(raw: Record<string, unknown>): FrontierItem | undefined {
    if (isExpired(raw.ttl)) return undefined
    const item = formatItem(this.ctx.entities.frontier, raw)
    return item && fromStored(FrontierItemSchema, item, 'frontier item')
  }

  /** The stored attributes of an item; `ttl` as given, else derived from its status. */
  attributes(item: FrontierItem, ttl?: number) {
    return {
      ...toStored(item),
      ttl: ttl ?? expiryOf(item.status, new Date(), this.ctx.config.frontierTtlDays),
    }
  }
}

/** A stand-in item at the cursor's place in queue order. */
function cursorItem(cursor: QueueCursor): FrontierItem {
  return { priority: cursor.p, discoveredAt: new Date(cursor.d), itemId: cursor.i } as FrontierItem
}
