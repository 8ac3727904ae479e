import { FrontierStatusSchema } from '../model/schemas.js'
import { defineEntity, type EntityOptions, field, key, snakeFields, TTL_ATTRIBUTE } from './common.js'

/** The model fields of the logical table, shared by both layouts. */
const FRONTIER_FIELDS = {
  itemId: field.requiredText,
  runId: field.requiredText,
  siteId: field.requiredText,
  url: field.requiredText,
  normalizedUrl: field.requiredText,
  urlHash: field.requiredText,
  depth: { type: 'number', required: true },
  referrerUrl: field.text,
  priority: { type: 'number', required: true },
  status: { type: FrontierStatusSchema.options, required: true },
  retryCount: field.num,
  lastError: field.text,
  discoveredAt: field.requiredText,
  scheduledAt: field.text,
  startedAt: field.text,
  completedAt: field.text,
  domain: field.requiredText,
  workerId: field.text,
  leaseExpiresAt: field.text,
  [TTL_ATTRIBUTE]: { type: 'number', hidden: true },
  /** Token of the last claim take, status update or enqueue applied: its resend is recognised. */
  writeToken: { type: 'string', hidden: true },
  /** The claim index's sort key (`queue-key.ts`); `-` once finished (the item leaves the index). */
  queueKey: { type: 'string', hidden: true },
} as const

/** The `queueKey` of a finished item: the sparse claim index (gsi3) holds no keys for it. */
export const NOT_QUEUED = '-'

/**
 * Frontier items. Item: pk = run + shard, sk = item (shard = hash(item) mod frontierShards, so a
 * run's queue can spread over partitions).
 * - gsi1 `byStatus`: pk = run + shard + status, sk = inverted priority + discoveredAt + item
 *   (list by status highest priority first; claim = one Query of the pending partition).
 * - gsi3 `byQueue` (sparse: open items only): pk = run + shard, sk = `queueKey` — the claim index:
 *   timed items (scheduled for later, leased) by due time, inverted, then ready items in queue order
 *   (see `services/frontier/queue-key.ts`); a claim is one Query from "due now" onwards.
 * - gsi4 `members` (keys only): pk = site, to find a site's frontier items when deleting it.
 * Finished items carry `ttl` (epoch seconds) so DynamoDB expires them.
 */
export function frontierEntity(options: EntityOptions) {
  return defineEntity('frontier', options, {
    attributes: {
      ...key.hidden('runKey', 'shard', 'itemKey', 'siteKey', 'priorityKey'),
      ...FRONTIER_FIELDS,
    },
    indexes: {
      byId: key.primary(['runKey', 'shard'], ['itemKey']),
      byStatus: key.secondary(
        'gsi1',
        ['runKey', 'shard', 'status'],
        ['priorityKey', 'discoveredAt', 'itemKey'],
      ),
      byQueue: key.secondary('gsi3', ['runKey', 'shard'], ['queueKey'], {
        condition: (attributes: { queueKey?: string }) =>
          attributes.queueKey !== undefined && attributes.queueKey !== NOT_QUEUED,
      }),
      members: key.siteMembers(['runKey', 'itemKey']),
    },
  })
}

export type FrontierEntity = ReturnType<typeof frontierEntity>

/** The added index of the documented frontier table: a run's items by priority. */
export const FRONTIER_INDEXES = {
  byPriority: 'run_id-priority-index',
  /** Added in 0.2: the claim index (HASH `run_id`, RANGE `queue_key`, sparse: open items only). */
  byQueue: 'run_id-queue_key-index',
  /** Added in 0.2: listing by status (HASH `run_status` = `<status>#<run>`, RANGE `queue_order`). */
  byStatus: 'run_status-queue_order-index',
} as const

/**
 * Documented layout: `{prefix}frontier`, HASH `run_id`, RANGE `item_id` (the plain run id: no
 * shards); added GSIs `run_id-priority-index` (RANGE `priority`, a number: listing without a
 * status, and the fallback for items another tool wrote), `run_id-queue_key-index` (claims) and
 * `run_status-queue_order-index` (listing by status), on the added attributes `queue_key`,
 * `run_status` and `queue_order`.
 */
export function frontierTableEntity(options: EntityOptions) {
  return defineEntity('frontier', options, {
    attributes: {
      ...snakeFields(FRONTIER_FIELDS),
      ...snakeFields({
        /** Added in 0.2: `<status>#<runId>`, the HASH key of the listing by status. */
        runStatus: { type: 'string', hidden: true },
        /** Added in 0.2: inverted priority + discoveredAt + item id, its RANGE key (queue order). */
        queueOrder: { type: 'string', hidden: true },
      }),
    },
    indexes: {
      byId: { pk: key.plain('run_id', 'runId'), sk: key.plain('item_id', 'itemId') },
    },
  })
}

export type FrontierTableEntity = ReturnType<typeof frontierTableEntity>
