import { z } from 'zod'
import { ValidationError } from '../../errors.js'
import { IdSchema } from '../../model/ids.js'
import { type FrontierItem, type FrontierStatus, FrontierStatusSchema } from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import type { ClaimOptions } from '../storage-backend.js'

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
