import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { keyPart, priorityKey, shardOf } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type FrontierItem, FrontierItemSchema, type FrontierStatus } from '../../model/schemas.js'
import type { StatusRequest } from '../layout.js'
import type { Claim } from '../options.js'
import { newWriteToken } from '../pages/page-write.js'
import { isConditionFailure } from '../plumbing/aws-errors.js'
import { batchWrite } from '../plumbing/batch.js'
import {
  type ListOptions,
  type ListResult,
  mergedQueryPage,
  type PagedQuery,
  queryAll,
  queryPage,
} from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import {
  ALL_STATUSES,
  alreadyApplied,
  type Candidate,
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
import { KEYS, type SingleTableContext } from './context.js'

/**
 * The frontier: a run's items spread over `frontierShards` partitions; listing by status and
 * claiming read gsi1 (run + shard + status, sorted by priority); a claim is one Query plus one
 * conditional UpdateItem per item, so no item is handed to two workers while its lease lives.
 */
export class SingleTableFrontier {
  constructor(private readonly ctx: SingleTableContext) {}

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

  list(
    runId: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>> {
    const runKey = keyPart(runId)
    const statuses = options?.status === undefined ? ALL_STATUSES : [options.status]
    const partitions = statuses.flatMap((status) =>
      this.shards().map((shard) => this.statusQuery(runKey, shard, status)),
    )
    if (partitions.length === 1) return queryPage(this.ctx.transport, partitions[0]!, options)
    return mergedQueryPage(this.ctx.transport, partitions, (raw) => String(raw.gsi1sk), options)
  }

  /**
   * Claims in the worker's home shard first, then the next shards in index order; pending items
   * before expired leases; the items taken are returned in queue order.
   */
  async claim(runId: string, claim: Claim): Promise<FrontierItem[]> {
    const runKey = keyPart(runId)
    const shards = this.ctx.config.frontierShards
    const home = shardOf(claim.workerId, shards)
    const order = this.shards().map((_, i) => shardName((home + i) % shards))
    const passes = (['pending', 'in_progress'] as const).flatMap((status) =>
      order.map((shard) => this.candidates(runKey, shard, status, claim.limit)),
    )
    const claimed = await takeInOrder(passes, claim.limit, claim, this.taker)
    return claimed.sort(compareQueueOrder)
  }

  async updateStatus(
    run: string,
    id: string,
    status: FrontierStatus,
    request: StatusRequest,
  ): Promise<FrontierItem> {
    const next = status
    const owner = request.workerId
    const error = request.error
    const change = statusChange(next, new Date(), this.ctx.config.frontierTtlDays, error)
    const key = this.key(run, id)
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
      const { data } = await update.go({ ...ORIGINAL_ERRORS, response: 'all_new' })
      return fromStored(FrontierItemSchema, data, 'frontier item')
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause
      const raw = await this.readConsistent(key)
      const stored = raw && this.read(raw)
      if (stored && alreadyApplied(stored, raw.writeToken, sent)) return stored
      throw statusUpdateFailure(stored ?? null, run, id, owner, cause)
    }
  }

  async clear(runId: string): Promise<number> {
    const runKey = keyPart(runId)
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
   * The claimable items of one shard and status in queue order (one Query while there is no
   * contention); an in_progress item counts when its lease ended or it has none.
   */
  private candidates(
    runKey: string,
    shard: string,
    status: 'pending' | 'in_progress',
    want: number,
  ): AsyncIterable<Candidate[]> {
    const query = this.ctx.entities.frontier.query.byStatus({ runKey, shard, status })
    const nowIso = new Date().toISOString()
    const params =
      status === 'in_progress'
        ? query
            .where(
              (attr, op) => `(${op.lt(attr.leaseExpiresAt, nowIso)} OR ${op.notExists(attr.leaseExpiresAt)})`,
            )
            .params()
        : query.params()
    const input = { ...params, Limit: Math.min(100, want * 2) }
    return candidatesOf(queryAll(this.ctx.transport, input), (raw) => this.read(raw), 'leaseExpiresAt')
  }

  private readonly taker: Taker = {
    take: async (candidate, attempt) => {
      const { item } = candidate
      try {
        const { data } = await this.ctx.entities.frontier
          .update(this.key(item.runId, item.itemId))
          .set(takenState(attempt))
          .where(takeCondition(candidate, attempt))
          .go({ ...ORIGINAL_ERRORS, response: 'all_new' })
        return fromStored(FrontierItemSchema, data, 'frontier item')
      } catch (error) {
        if (isConditionFailure(error)) return null
        throw error
      }
    },
    landed: async ({ item }, attempt) => {
      const raw = await this.readConsistent(this.key(item.runId, item.itemId))
      return raw?.status === 'in_progress' && raw.writeToken === attempt.token
        ? (this.read(raw) ?? null)
        : null
    },
    release: async ({ item }, attempt) => {
      const change = statusChange('pending', new Date(), this.ctx.config.frontierTtlDays)
      await this.ctx.entities.frontier
        .patch(this.key(item.runId, item.itemId))
        .set(change.set)
        .remove(change.remove)
        .where(releaseCondition(attempt))
        .go({ ...ORIGINAL_ERRORS, response: 'none' })
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error
        })
    },
  }

  /** The raw item, read strongly consistently (undefined when absent). */
  private async readConsistent(key: ReturnType<SingleTableFrontier['key']>) {
    const params = this.ctx.entities.frontier.get(key).params()
    const output = (await this.ctx.transport.send(new GetCommand({ ...params, ConsistentRead: true }))) as {
      Item?: Record<string, unknown>
    }
    return output.Item
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
