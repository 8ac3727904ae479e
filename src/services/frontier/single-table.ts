import { GetCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS, SERVICE } from '../../entities/common.js'
import { entityIndexQuery, entityPatch } from '../../entities/entity-requests.js'
import { formatItem, isOwnItem } from '../../entities/format-item.js'
import { NOT_QUEUED } from '../../entities/frontier.js'
import { keyPart, priorityKey, shardOf } from '../../keys/key-part.js'
import type { FrontierItem, FrontierStatus } from '../../model/schemas.js'
import { mergedQueryPage, type PagedQuery, queryAll, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import type { FrontierAdapter } from './adapter.js'
import { ALL_STATUSES, FrontierTable } from './frontier-store.js'
import { claimDomainItem } from './politeness.js'
import { claimStart, queueKeyOf } from './queue-key.js'
import { queuePlacement } from './queue-write.js'
import { retryPolicyOf } from './retries.js'

type Key = { runKey: string; shard: string; itemKey: string }

/**
 * The frontier in the single table: a run's items spread over `frontierShards` partitions; listing
 * by status reads gsi1 (run + shard + status, sorted by priority), claims read the sparse gsi3
 * (run + shard, sorted by `queueKey`: due first, then ready in queue order). A claim tries the
 * worker's home shard first, then the next shards (those found empty lately last).
 */
export class SingleTableFrontier extends FrontierTable<Key, ReturnType<typeof storedAttributes>> {
  constructor(ctx: SingleTableContext) {
    super(singleTableAdapter(ctx), ctx.transport, ctx.config.frontierTtlDays, retryPolicyOf(ctx.config))
  }
}

function storedAttributes(item: FrontierItem, key: Key, ttl: number | undefined) {
  return {
    ...toStored(item),
    ...key,
    siteKey: keyPart(item.siteId),
    priorityKey: priorityKey(item.priority),
    queueKey: queueKeyOf(item, key.itemKey) ?? NOT_QUEUED,
    ttl,
  }
}

function singleTableAdapter(
  ctx: SingleTableContext,
): FrontierAdapter<Key, ReturnType<typeof storedAttributes>> {
  const entity = ctx.entities.frontier
  const shards = Array.from({ length: ctx.config.frontierShards }, (_, i) => shardName(i))
  const key = (runId: string, itemId: string): Key => ({
    runKey: keyPart(runId),
    shard: shardName(shardOf(itemId, ctx.config.frontierShards)),
    itemKey: keyPart(itemId),
  })
  const statusQuery = (runKey: string, shard: string, status: FrontierStatus) =>
    entity.query.byStatus({ runKey, shard, status })
  const read = (raw: Record<string, unknown>) => formatItem(entity, raw)
  const adapter: FrontierAdapter<Key, ReturnType<typeof storedAttributes>> = {
    key,
    attributes: (item, ttl) => storedAttributes(item, key(item.runId, item.itemId), ttl),
    stored: { lease: 'leaseExpiresAt', writeToken: 'writeToken' },
    put: async (attributes, create) => {
      const put = create
        ? entity.put({ ...attributes, writeToken: create.writeToken }).where(create.condition)
        : entity.put(attributes)
      await put.go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    write: async (how, itemKey, change, condition, response) => {
      const queueKey = await queuePlacement(
        change,
        itemKey.itemKey,
        () => adapter.getConsistent(itemKey),
        read,
      )
      const set = queueKey === null ? change.set : { ...change.set, queueKey: queueKey ?? NOT_QUEUED }
      const electroParams = () => {
        let update = (how === 'update' ? entity.update(itemKey) : entity.patch(itemKey)).set(set as never)
        if (change.remove) update = update.remove(change.remove as never)
        if (change.add) update = update.add(change.add)
        return update.where(condition).params<UpdateCommandInput>()
      }
      const params =
        entityPatch(entity, {
          how,
          key: itemKey,
          set,
          ...(change.remove ? { remove: change.remove } : {}),
          ...(change.add ? { add: change.add } : {}),
          where: condition,
        }) ?? electroParams()
      const output = (await ctx.transport.send(
        new UpdateCommand(response === 'all_new' ? { ...params, ReturnValues: 'ALL_NEW' } : params),
      )) as { Attributes?: Record<string, unknown> }
      return output.Attributes && formatItem(entity, output.Attributes)
    },
    getConsistent: async (itemKey) => {
      const params = entity.get(itemKey).params()
      const output = (await ctx.transport.send(new GetCommand({ ...params, ConsistentRead: true }))) as {
        Item?: Record<string, unknown>
      }
      return output.Item
    },
    format: (raw) => formatItem(entity, raw),
    own: (raw) => isOwnItem(entity, raw),
    list: (runId, options, read) => {
      const runKey = keyPart(runId)
      const statuses = options?.status === undefined ? ALL_STATUSES : [options.status]
      const partitions = statuses.flatMap((status) =>
        shards.map(
          (shard): PagedQuery<FrontierItem> => ({
            input: statusQuery(runKey, shard, status).params(),
            keyAttributes: KEYS.gsi1,
            read,
          }),
        ),
      )
      if (partitions.length === 1) return queryPage(ctx.transport, partitions[0]!, options)
      return mergedQueryPage(ctx.transport, partitions, (raw) => String(raw.gsi1sk), options)
    },
    shards: shards.length,
    homeShard: (workerId) => shardOf(workerId, shards.length),
    claimPage: async (runId, shard, window, nowMs, _want, start) => {
      const params = entityIndexQuery(
        entity,
        'byQueue',
        { runKey: keyPart(runId), shard: shardName(shard), queueKey: claimStart(nowMs) },
        'gte',
      )
      const output = (await ctx.transport.send(
        new QueryCommand({ ...params, Limit: window, ExclusiveStartKey: start }),
      )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
      return { items: output.Items ?? [], next: output.LastEvaluatedKey }
    },
    claimDomain: (runId, domain, instantMs, intervalMs, token) =>
      claimDomainItem(ctx.transport, ctx.table, domainKey(runId, domain), instantMs, intervalMs, token),
    deletesOfRun: async function* (runId) {
      for (const shard of shards) {
        const input = entity.query.byId({ runKey: keyPart(runId), shard }).params()
        for await (const items of queryAll(ctx.transport, {
          ...input,
          ProjectionExpression: 'pk, sk, itemId',
        })) {
          yield items.map((item) => ({
            table: ctx.table,
            key: { pk: item.pk, sk: item.sk },
            id: String(item.itemId),
          }))
        }
      }
    },
  }
  return adapter
}

/**
 * The (run, domain) politeness item: a key of its own (no ElectroDB entity, so migration and
 * listings skip it), one partition per run and domain.
 */
function domainKey(runId: string, domain: string) {
  return { pk: `$${SERVICE}-domain#${keyPart(runId)}#${keyPart(domain)}`, sk: '$domain' }
}

function shardName(index: number): string {
  return String(index).padStart(2, '0')
}
