import { priorityKey } from '../../keys/key-part.js'
import type { FrontierStatus } from '../../model/schemas.js'
import type { ItemChange } from './adapter.js'

/**
 * The claim index's sort key of an open item, one string per item in its run's (shard's) queue
 * partition, so that one Query reads exactly what is claimable now, in that order:
 *
 * - `A#<inverted due ms>#<item>` — "timed": pending and scheduled for later (due at `scheduledAt`),
 *   or in_progress (due when its lease ends; no lease = due at 0). The time is inverted, so timed
 *   items sort latest-due first and those already due sit at the end of the `A` range.
 * - `B#<inverted priority>#<discoveredAt>#<item>` — "ready": pending and not scheduled for later, in
 *   queue order.
 * - finished items have no key (the index is sparse): a claim never reads them.
 *
 * A claim reads ascending from `A#<inverted now>`: first the timed items already due (most recently
 * due first), then every ready item in queue order. Scheduled-for-later and leased items sort
 * before that start, finished items are absent, so a claim's reads do not grow with them.
 */
export const TIMED = 'A#'
export const READY = 'B#'
const MAX_MS = 9_999_999_999_999

function invertedMs(ms: number): string {
  return String(MAX_MS - Math.max(0, Math.min(MAX_MS, Math.floor(ms)))).padStart(13, '0')
}

export function timedKey(dueMs: number, itemKey: string): string {
  return `${TIMED}${invertedMs(dueMs)}#${itemKey}`
}

export function readyKey(priority: number, discoveredAt: Date, itemKey: string): string {
  return `${READY}${priorityKey(priority)}#${discoveredAt.toISOString()}#${itemKey}`
}

/** Where a claim's Query starts: the first timed item due at `nowMs` or before. */
export function claimStart(nowMs: number): string {
  return `${TIMED}${invertedMs(nowMs)}`
}

/** What decides an item's place in the claim index. */
export interface QueueFields {
  status: FrontierStatus
  priority: number
  discoveredAt: Date
  scheduledAt: Date | null
  leaseExpiresAt: Date | null
}

/** The claim-index key of an item in this state, or undefined when it is finished (not queued). */
export function queueKeyOf(item: QueueFields, itemKey: string, nowMs = Date.now()): string | undefined {
  if (item.status === 'in_progress') return timedKey(item.leaseExpiresAt?.getTime() ?? 0, itemKey)
  if (item.status !== 'pending') return undefined
  const due = item.scheduledAt?.getTime()
  if (due !== undefined && due > nowMs) return timedKey(due, itemKey)
  return readyKey(item.priority, item.discoveredAt, itemKey)
}

/**
 * How a write moves the item in the claim index, from the change alone when it can be told:
 * `{ key }` (undefined = leaves the index), `null` when the change does not move it, or `'read'`
 * when the key needs the stored item (back to pending without a future schedule: its priority and
 * discoveredAt; in_progress without a lease end in the change).
 */
export function placementOf(change: ItemChange, itemKey: string, nowMs = Date.now()) {
  const set = change.set as { status?: FrontierStatus; leaseExpiresAt?: string; scheduledAt?: string }
  const status = set.status
  if (status === undefined) {
    if (set.leaseExpiresAt !== undefined) return { key: timedKey(Date.parse(set.leaseExpiresAt), itemKey) }
    return null
  }
  if (status === 'completed' || status === 'failed' || status === 'skipped') return { key: undefined }
  if (status === 'in_progress') {
    return set.leaseExpiresAt !== undefined
      ? { key: timedKey(Date.parse(set.leaseExpiresAt), itemKey) }
      : ('read' as const)
  }
  const due = set.scheduledAt === undefined ? undefined : Date.parse(set.scheduledAt)
  if (due !== undefined && due > nowMs) return { key: timedKey(due, itemKey) }
  return 'read' as const
}
