import { z } from 'zod'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js'
import { IdSchema } from '../../model/ids.js'
import { type FrontierItem, type FrontierStatus, FrontierStatusSchema } from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import type { ClaimOptions } from '../storage-backend.js'
import { mapConcurrent } from './retry.js'

export const TERMINAL_STATUSES: readonly FrontierStatus[] = ['completed', 'failed', 'skipped']
export const ALL_STATUSES = FrontierStatusSchema.options

const ClaimOptionsSchema = z.object({
  workerId: IdSchema,
  limit: z.number().int().min(1).max(100).default(10),
  leaseSeconds: z.number().min(1).default(300),
})

export interface Claim {
  workerId: string
  limit: number
  now: Date
  leaseExpiresAt: Date
}

export function parseClaim(options: ClaimOptions): Claim {
  const { workerId, limit, leaseSeconds } = validate(ClaimOptionsSchema, options, 'options')
  const now = new Date()
  return { workerId, limit, now, leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000) }
}

export function parseStatus(status: unknown, path = 'status'): FrontierStatus {
  return validate(FrontierStatusSchema, status, path)
}

/** Epoch seconds at which a finished item expires, or `undefined` (open items, or TTL off). */
export function expiryOf(status: FrontierStatus, now: Date, ttlDays: number | null): number | undefined {
  if (ttlDays === null || !TERMINAL_STATUSES.includes(status)) return undefined
  return Math.floor(now.getTime() / 1000 + ttlDays * 86_400)
}

/** TTL deletes lazily: an item past its expiry is treated as gone. */
export function isExpired(ttl: unknown, now = Date.now()): boolean {
  return typeof ttl === 'number' && ttl * 1000 <= now
}

/** Highest priority first, then oldest discoveredAt, then itemId: the order of every listing and claim. */
export function compareQueueOrder(a: FrontierItem, b: FrontierItem): number {
  if (a.priority !== b.priority) return b.priority - a.priority
  const byTime = a.discoveredAt.getTime() - b.discoveredAt.getTime()
  if (byTime !== 0) return byTime
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0
}

/** Items with the same (runId, itemId) beyond their first are duplicates within one enqueue call. */
export function splitDuplicates<T extends { runId: string; itemId: string }>(
  items: T[],
): { unique: T[]; repeats: number } {
  const seen = new Set<string>()
  const unique = items.filter((item) => {
    const key = JSON.stringify([item.runId, item.itemId])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return { unique, repeats: items.length - unique.length }
}

export function assertOwner(workerId: string | undefined): string | undefined {
  if (workerId === undefined) return undefined
  return validate(IdSchema, workerId, 'workerId')
}

export function assertError(error: unknown): string | undefined {
  if (error === undefined) return undefined
  if (typeof error !== 'string') throw new ValidationError([{ path: 'error', message: 'must be a string' }])
  return error
}

/** What a status update writes: fields to set, fields to remove, and whether a retry is counted. */
export interface StatusChange {
  set: { status: FrontierStatus; completedAt?: string; lastError?: string; ttl?: number }
  remove: ('ttl' | 'leaseExpiresAt' | 'workerId')[]
  countsRetry: boolean
}

/**
 * A status update: finished statuses stamp `completedAt` and an expiry; leaving `in_progress`
 * ends the lease; back to `pending` also forgets the worker; `failed` counts a retry.
 */
export function statusChange(
  next: FrontierStatus,
  now: Date,
  ttlDays: number | null,
  error?: string,
): StatusChange {
  const ttl = expiryOf(next, now, ttlDays)
  const remove: StatusChange['remove'] = []
  if (ttl === undefined) remove.push('ttl')
  if (next !== 'in_progress') remove.push('leaseExpiresAt')
  if (next === 'pending') remove.push('workerId')
  return {
    set: {
      status: next,
      ...(TERMINAL_STATUSES.includes(next) ? { completedAt: now.toISOString() } : {}),
      ...(error !== undefined ? { lastError: error } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
    },
    remove,
    countsRetry: next === 'failed',
  }
}

const ENQUEUE_CONCURRENCY = 16

/**
 * Enqueues validated items, each with a create that fails its condition when the item exists:
 * duplicates within the call and already-stored items are counted, not written.
 */
export async function enqueueEach(
  items: FrontierItem[],
  create: (item: FrontierItem) => Promise<unknown>,
  isConditionFailure: (error: unknown) => boolean,
): Promise<{ added: number; duplicates: number }> {
  const { unique, repeats } = splitDuplicates(items)
  const results = await mapConcurrent(unique, ENQUEUE_CONCURRENCY, async (item) => {
    try {
      await create(item)
      return true
    } catch (error) {
      if (isConditionFailure(error)) return false
      throw error
    }
  })
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) throw (failure as PromiseRejectedResult).reason
  const added = results.filter((r) => r.status === 'fulfilled' && r.value).length
  return { added, duplicates: repeats + unique.length - added }
}

/**
 * Claims up to `want` candidates, read page by page in queue order: each page's candidates are
 * taken (a conditional write each) in batches of what is still wanted, so of two workers racing
 * for an item exactly one wins, and a lost race moves on to the next candidate.
 */
export async function takeInOrder(
  pages: AsyncIterable<FrontierItem[]>,
  want: number,
  take: (item: FrontierItem) => Promise<FrontierItem | null>,
): Promise<FrontierItem[]> {
  const claimed: FrontierItem[] = []
  for await (const page of pages) {
    let candidates = page
    while (candidates.length > 0 && claimed.length < want) {
      const batch = candidates.slice(0, want - claimed.length)
      candidates = candidates.slice(batch.length)
      const results = await Promise.all(batch.map(take))
      claimed.push(...results.filter((item): item is FrontierItem => item !== null))
    }
    if (claimed.length >= want) break
  }
  return claimed
}

/** Why a conditional status update failed: the item is gone (or expired), or another worker holds it. */
export function statusUpdateFailure(
  stored: { ttl?: unknown } | null | undefined,
  runId: string,
  itemId: string,
  owner: string | undefined,
  cause: unknown,
): Error {
  if (!stored || isExpired(stored.ttl)) {
    return new NotFoundError(
      `Frontier item ${JSON.stringify(itemId)} of run ${JSON.stringify(runId)} not found`,
      { cause },
    )
  }
  return new ConflictError(
    `Frontier item ${JSON.stringify(itemId)} is not leased to worker ${JSON.stringify(owner)}`,
    {
      cause,
    },
  )
}
