import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { keyPart, priorityKey, shardOf } from '../../keys/key-part.js'
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
  ALL_STATUSES,
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
  type ListOptions,
  type ListResult,
  mergedQueryPage,
  type PagedQuery,
  queryAll,
  queryPage,
} from '../shared/listing.js'
import { toStored } from '../shared/stored.js'
import type { ClaimOptions } from '../storage-backend.js'
import { KEYS, type SingleTableContext } from './context.js'

/**
 * The frontier: a run's items spread over `frontierShards` partitions; listing by status and
 * claiming read gsi1 (run + shard + status, sorted by priority); a claim is one Query plus one
 * conditional UpdateItem per item, so no item is handed to two workers while its lease lives.
 */
export class SingleTableFrontier {
  constructor(private readonly ctx: SingleTableContext) {}

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

  list(
    runId: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>> {
    const runKey = keyPart(validate(IdSchema, runId, 'runId'))
    const statuses = options?.status === undefined ? ALL_STATUSES : [parseStatus(options.status)]
    const partitions = statuses.flatMap((status) =>
      this.shards().map((shard) => this.statusQuery(runKey, shard, status)),
    )
    if (partitions.length === 1) return queryPage(this.ctx.transport, partitions[0]!, options)
    return mergedQueryPage(this.ctx.transport, partitions, (raw) => String(raw.gsi1sk), options)
  }

  async claim(runId: string, options: ClaimOptions): Promise<FrontierItem[]> {
    const runKey = keyPart(validate(IdSchema, runId, 'runId'))
    const claim = parseClaim(options)
    const home = shardOf(claim.workerId, this.ctx.config.frontierShards)
    const order = this.shards().map((_, i) => shardName((home + i) % this.ctx.config.frontierShards))
    const claimed: FrontierItem[] = []
    for (const status of ['pending', 'in_progress'] as const) {
      for (const shard of order) {
        if (claimed.length >= claim.limit) break
        claimed.push(...(await this.claimFrom(runKey, shard, status, claim, claim.limit - claimed.length)))
      }
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
    const key = this.key(run, id)
    const update = this.ctx.entities.frontier.patch(key).set(change.set).remove(change.remove)
    if (change.countsRetry) update.add({ retryCount: 1 })
    if (owner !== undefined) {
      update.where((attr, op) => `${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, 'in_progress')}`)
    }
    try {
      const { data } = await update.go({ ...ORIGINAL_ERRORS, response: 'all_new' })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause
      const { data } = await this.ctx.entities.frontier.get(key).go(ORIGINAL_ERRORS)
      throw statusUpdateFailure(data as { ttl?: unknown } | null, run, id, owner, cause)
    }
  }

  async clear(runId: string): Promise<number> {
    const runKey = keyPart(validate(IdSchema, runId, 'runId'))
    let deleted = 0
    for (const shard of this.shards()) {
      const input = this.ctx.entities.frontier.query.byId({ runKey, shard }).params()
      for await (const items of queryAll(this.ctx.transport, {
        ...input,
        ProjectionExpression: 'pk, sk, itemId',
      })) {
        await batchWrite(
          this.ctx.transport,
          items.map((item) => ({
            table: this.ctx.table,
            key: { pk: item.pk, sk: item.sk },
            id: String(item.itemId),
          })),
        )
        deleted += items.length
      }
    }
    return deleted
  }

  /**
   * Claims up to `want` items of one shard and status: reads candidates in queue order (one Query
   * while there is no contention) and takes each with an UpdateItem conditional on the state it
   * was read in, so of two workers racing for an item exactly one wins.
   */
  private async claimFrom(
    runKey: string,
    shard: string,
    status: 'pending' | 'in_progress',
    claim: Claim,
    want: number,
  ): Promise<FrontierItem[]> {
    const nowIso = claim.now.toISOString()
    const query = this.ctx.entities.frontier.query.byStatus({ runKey, shard, status })
    const params =
      status === 'in_progress'
        ? query.where((attr, op) => op.lt(attr.leaseExpiresAt, nowIso)).params()
        : query.params()
    const input = { ...params, Limit: Math.min(100, want * 2) }
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
        .update(this.key(item.runId, item.itemId))
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
        .go({ ...ORIGINAL_ERRORS, response: 'all_new' })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (error) {
      if (isConditionFailure(error)) return null
      throw error
    }
  }

  private statusQuery(runKey: string, shard: string, status: FrontierStatus): PagedQuery<FrontierItem> {
    return {
      input: this.ctx.entities.frontier.query.byStatus({ runKey, shard, status }).params(),
      keyAttributes: KEYS.gsi1,
      read: (raw) => this.read(raw),
    }
  }

  private read(raw: Record<string, unknown>): FrontierItem | undefined {
    if (isExpired(raw.ttl)) return undefined
    const item = formatItem(this.ctx.entities.frontier, raw)
    return item === undefined ? undefined : fromStored(FrontierItemSchema, item, 'frontier item')
  }

  /** The stored attributes of an item; `ttl` as given, else derived from its status. */
  attributes(item: FrontierItem, ttl?: number) {
    return {
      ...toStored(item),
      ...this.key(item.runId, item.itemId),
      siteKey: keyPart(item.siteId),
      priorityKey: priorityKey(item.priority),
      ttl: ttl ?? expiryOf(item.status, new Date(), this.ctx.config.frontierTtlDays),
    }
  }

  private key(runId: string, itemId: string) {
    return {
      runKey: keyPart(runId),
      shard: shardName(shardOf(itemId, this.ctx.config.frontierShards)),
      itemKey: keyPart(itemId),
    }
  }

  private shards(): string[] {
    return Array.from({ length: this.ctx.config.frontierShards }, (_, i) => shardName(i))
  }
}

function shardName(index: number): string {
  return String(index).padStart(2, '0')
}
