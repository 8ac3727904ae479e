import type { FrontierItem } from '../../model/schemas.js'
import type { RetryRequest } from '../options.js'
import { tokenFor } from '../pages/page-write.js'
import type { Condition, ItemChange } from './adapter.js'

/** The config of `retryFrontierItem`: `frontierMaxRetries` and `frontierRetryDelaySeconds`. */
export interface RetryPolicy {
  maxRetries: number
  baseDelaySeconds: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelaySeconds: 30 }

/** The computed backoff never waits longer than this (an explicit `delaySeconds` may). */
export const MAX_BACKOFF_SECONDS = 3_600

/**
 * Seconds the nth retry waits: base × 2^(n−1), capped at 3,600, of which it waits between half
 * and all (`random` in [0, 1)), so workers whose pages failed together do not come back together.
 */
export function backoffSeconds(retryCount: number, baseDelaySeconds: number, random = Math.random()): number {
  const full = Math.min(MAX_BACKOFF_SECONDS, baseDelaySeconds * 2 ** Math.max(0, retryCount - 1))
  return full / 2 + (full / 2) * random
}

/**
 * What a retry writes over `stored`: the counted attempt, then either back to pending with a
 * `scheduledAt`, or `failed` (finished: `completedAt` and an expiry) past `maxRetries`. Either way
 * the worker and its lease are forgotten; without `error` the `lastError` stays as it is.
 */
export function retryChange(
  stored: FrontierItem,
  request: RetryRequest,
  policy: RetryPolicy,
  now: Date,
  expiry: number | undefined,
  random = Math.random(),
): ItemChange {
  const retryCount = stored.retryCount + 1
  const error = request.error === undefined ? {} : { lastError: request.error }
  if (retryCount > policy.maxRetries) {
    return {
      set: {
        status: 'failed',
        retryCount,
        completedAt: now.toISOString(),
        ...error,
        ...(expiry === undefined ? {} : { ttl: expiry }),
      },
      remove: ['workerId', 'leaseExpiresAt', 'scheduledAt', ...(expiry === undefined ? ['ttl'] : [])],
    }
  }
  const wait = request.delaySeconds ?? backoffSeconds(retryCount, policy.baseDelaySeconds, random)
  return {
    set: {
      status: 'pending',
      retryCount,
      scheduledAt: new Date(now.getTime() + wait * 1000).toISOString(),
      ...error,
    },
    remove: ['workerId', 'leaseExpiresAt', 'ttl'],
  }
}

/**
 * A retry's token. With a `workerId` it is derived from the call and the attempt it ends (the
 * item's claim start and retry count before it), so the caller sending the same retry again after
 * a lost answer is recognised as well as the SDK's resend; without one, a fresh random token.
 */
export function retryToken(
  runId: string,
  itemId: string,
  request: RetryRequest,
  before: Pick<FrontierItem, 'retryCount' | 'startedAt'>,
  random: () => string,
): string {
  if (request.workerId === undefined) return random()
  return tokenFor([
    'retryFrontierItem',
    runId,
    itemId,
    request.workerId,
    request.error ?? null,
    request.delaySeconds ?? null,
    before.retryCount,
    before.startedAt?.toISOString() ?? null,
  ])
}

/**
 * Whether the item already holds this retry: its token is the one the SDK (or the caller, with a
 * `workerId`) sent before, as computed from the item as it was before that retry.
 */
export function retryAlreadyApplied(
  runId: string,
  itemId: string,
  stored: FrontierItem,
  storedToken: unknown,
  request: RetryRequest,
  sentToken: string | undefined,
): boolean {
  if (storedToken === undefined) return false
  if (storedToken === sentToken) return true
  if (request.workerId === undefined || stored.retryCount < 1) return false
  const before = { retryCount: stored.retryCount - 1, startedAt: stored.startedAt }
  return storedToken === retryToken(runId, itemId, request, before, () => '')
}

/**
 * A retry's condition: the item is as read (same retry count — another retry in between makes
 * this one read again — and open: pending or in_progress, or in_progress held by the owner when
 * one is named), and does not hold this retry's token yet.
 */
export function retryCondition(stored: FrontierItem, token: string, owner: string | undefined): Condition {
  return (attr, op) => {
    const open =
      owner === undefined
        ? `(${op.eq(attr.status, 'pending')} OR ${op.eq(attr.status, 'in_progress')})`
        : `(${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, 'in_progress')})`
    const count =
      stored.retryCount === 0
        ? `(${op.notExists(attr.retryCount)} OR ${op.eq(attr.retryCount, 0)})`
        : op.eq(attr.retryCount, stored.retryCount)
    const fresh = `(${op.notExists(attr.writeToken)} OR ${op.ne(attr.writeToken, token)})`
    return `(${open} AND ${count} AND ${fresh})`
  }
}

/** Whether `stored` may be retried by this request (before any write). */
export function isRetryable(stored: FrontierItem, owner: string | undefined): boolean {
  if (owner !== undefined) return stored.status === 'in_progress' && stored.workerId === owner
  return stored.status === 'pending' || stored.status === 'in_progress'
}

/** What a requeue writes: back to pending, no attempts counted, nothing scheduled or finished. */
export function requeueChange(token: string): ItemChange {
  return {
    set: { status: 'pending', retryCount: 0, writeToken: token },
    remove: ['scheduledAt', 'completedAt', 'ttl', 'leaseExpiresAt', 'workerId'],
  }
}

/** A requeue's condition: still failed, or already holding this requeue (the SDK's resend). */
export function requeueCondition(token: string): Condition {
  return (attr, op) => `(${op.eq(attr.status, 'failed')} OR ${op.eq(attr.writeToken, token)})`
}

/** The retry policy of a backend's config. */
export function retryPolicyOf(config: {
  frontierMaxRetries: number
  frontierRetryDelaySeconds: number
}): RetryPolicy {
  return { maxRetries: config.frontierMaxRetries, baseDelaySeconds: config.frontierRetryDelaySeconds }
}
