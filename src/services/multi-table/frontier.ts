import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { FRONTIER_INDEXES } from '../../entities/frontier.js'
import { IdSchema } from '../../model/ids.js'
import { fromStored } from '../../model/read.js'
import {
  type FrontierItem,
  type FrontierItemInput,
  FrontierItemSchema,
  type FrontierStatus,
} from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import { isConditionFailure } from '../shared/aws-errors.js'
import { batchWrite } from '../shared/batch.js'
import {
  assertError,
  assertOwner,
  type Claim,
  compareQueueOrder,
  enqueueEach,
  expiryOf,
  isExpired,
  parseClaim,
  parseStatus,
  statusChange,
  statusUpdateFailure,
  takeInOrder,
} from '../shared/frontier.js'
import {
  decodeCursor,
  encodeCursor,
  type ListOptions,
  type ListResult,
  pageSize,
  queryAll,
} from '../shared/listing.js'
import { toStored } from '../shared/stored.js'
import type { ClaimOptions } from '../storage-backend.js'
import type { FrontierStore } from '../stores.js'
import type { MultiTableContext } from './context.js'

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

  async save(input: FrontierItemInput): Promise<FrontierItem> {
    const item = validate(FrontierItemSchema, input, 'item')
    await this.ctx.entities.frontier.put(this.attributes(item)).go({ ...ORIGINAL_ERRORS, response: 'none' })
    return item
  }

  async enqueue(inputs: FrontierItemInput[]): Promise<{ added: number; duplicates: number }> {
    const items = validate(z.array(FrontierItemSchema), inputs, 'items')
    return enqueueEach(
      items,
      (item) =>
        this.ctx.entities.frontier.create(this.attributes(item)).go({ ...ORIGINAL_ERRORS, response: 'none' }),
      isConditionFailure,
    )
  }

  async list(
    runId: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>> {
    const run = validate(IdSchema, runId, 'runId')
    const status = options?.status === undefined ? undefined : parseStatus(options.status)
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

  async claim(runId: string, options: ClaimOptions): Promise<FrontierItem[]> {
    const run = validate(IdSchema, runId, 'runId')
    const claim = parseClaim(options)
    const claimed = await this.claimFrom(run, 'pending', claim, claim.limit)
    if (claimed.length < claim.limit) {
      claimed.push(...(await this.claimFrom(run, 'in_progress', claim, claim.limit - claimed.length)))
    }
    return claimed.sort(compareQueueOrder)
  }

  async updateStatus(
    runId: string,
    itemId: string,
    status: FrontierStatus,
    options?: { error?: string; workerId?: string },
  ): Promise<FrontierItem> {
    const run = validate(IdSchema, runId, 'runId')
    const id = validate(IdSchema, itemId, 'itemId')
    const next = parseStatus(status)
    const owner = assertOwner(options?.workerId)
    const error = assertError(options?.error)
    const change = statusChange(next, new Date(), this.ctx.config.frontierTtlDays, error)
    const key = { runId: run, itemId: id }
    const update = this.ctx.entities.frontier.patch(key).set(change.set).remove(change.remove)
    if (change.countsRetry) update.add({ retryCount: 1 })
    if (owner !== undefined) {
      update.where((attr, op) => `${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, 'in_progress')}`)
    }
    try {
      const { data } = await update.go({ ...ORIGINAL_ERRORS, response: 'all_new', ignoreOwnership: true })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause
      const { data } = await this.ctx.entities.frontier
        .get(key)
        .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
      throw statusUpdateFailure(data as { ttl?: unknown } | null, run, id, owner, cause)
    }
  }

  async clear(runId: string): Promise<number> {
    const run = validate(IdSchema, runId, 'runId')
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

  private async claimFrom(run: string, status: 'pending' | 'in_progress', claim: Claim, want: number) {
    const input = { ...this.byPriority(run, status), Limit: Math.min(100, want * 2) }
    if (status === 'in_progress') {
      input.FilterExpression = `${input.FilterExpression} AND #lease < :now`
      input.ExpressionAttributeNames = { ...input.ExpressionAttributeNames, '#lease': 'lease_expires_at' }
      input.ExpressionAttributeValues = {
        ...input.ExpressionAttributeValues,
        ':now': claim.now.toISOString(),
      }
    }
    return takeInOrder(this.candidates(input), want, (item) => this.take(item, claim))
  }

  private async *candidates(input: Parameters<typeof queryAll>[1]): AsyncGenerator<FrontierItem[]> {
    for await (const raws of queryAll(this.ctx.transport, input)) {
      yield raws.map((raw) => this.read(raw)).filter((item): item is FrontierItem => item !== undefined)
    }
  }

  private async take(item: FrontierItem, claim: Claim): Promise<FrontierItem | null> {
    const seenLease = item.leaseExpiresAt?.toISOString()
    try {
      const { data } = await this.ctx.entities.frontier
        .update({ runId: item.runId, itemId: item.itemId })
        .set({
          status: 'in_progress',
          workerId: claim.workerId,
          leaseExpiresAt: claim.leaseExpiresAt.toISOString(),
          startedAt: claim.now.toISOString(),
        })
        .where((attr, op) =>
          item.status === 'pending'
            ? op.eq(attr.status, 'pending')
            : `${op.eq(attr.status, 'in_progress')} AND ${op.eq(attr.leaseExpiresAt, seenLease ?? '')}`,
        )
        .go({ ...ORIGINAL_ERRORS, response: 'all_new', ignoreOwnership: true })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (error) {
      if (isConditionFailure(error)) return null
      throw error
    }
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
