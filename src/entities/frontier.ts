import { Entity } from 'electrodb'
import { FrontierStatusSchema } from '../model/schemas.js'
import {
  type EntityOptions,
  entityModel,
  field,
  hiddenKeys,
  plainKey,
  primaryIndex,
  secondaryIndex,
  siteMembersIndex,
  snakeFields,
  TTL_ATTRIBUTE,
} from './common.js'

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
} as const

/**
 * Frontier items. Item: pk = run + shard, sk = item (shard = hash(item) mod frontierShards, so a
 * run's queue can spread over partitions).
 * - gsi1 `byStatus`: pk = run + shard + status, sk = inverted priority + discoveredAt + item
 *   (list by status highest priority first; claim = one Query of the pending partition).
 * - gsi4 `members` (keys only): pk = site, to find a site's frontier items when deleting it.
 * Finished items carry `ttl` (epoch seconds) so DynamoDB expires them.
 */
export function frontierEntity(options: EntityOptions) {
  return new Entity(
    {
      model: entityModel('frontier'),
      attributes: {
        ...hiddenKeys('runKey', 'shard', 'itemKey', 'siteKey', 'priorityKey'),
        ...FRONTIER_FIELDS,
      },
      indexes: {
        byId: primaryIndex(['runKey', 'shard'], ['itemKey']),
        byStatus: secondaryIndex(
          'gsi1',
          ['runKey', 'shard', 'status'],
          ['priorityKey', 'discoveredAt', 'itemKey'],
        ),
        members: siteMembersIndex(['runKey', 'itemKey']),
      },
    },
    options,
  )
}

export type FrontierEntity = ReturnType<typeof frontierEntity>

/** The added index of the documented frontier table: a run's items by priority. */
export const FRONTIER_INDEXES = { byPriority: 'run_id-priority-index' } as const

/**
 * Documented layout: `{prefix}frontier`, HASH `run_id`, RANGE `item_id` (the plain run id: no
 * shards); added GSI `run_id-priority-index` (RANGE `priority`, a number) for listing and claims.
 */
export function frontierTableEntity(options: EntityOptions) {
  return new Entity(
    {
      model: entityModel('frontier'),
      attributes: snakeFields(FRONTIER_FIELDS),
      indexes: {
        byId: { pk: plainKey('run_id', 'runId'), sk: plainKey('item_id', 'itemId') },
      },
    },
    options,
  )
}

export type FrontierTableEntity = ReturnType<typeof frontierTableEntity>
