import { describe, expect, it } from 'vitest'
import type { FrontierItem } from '../../src/model/schemas.js'
import { backoffSeconds, retryChange } from '../../src/services/frontier/retries.js'

const now = new Date('2026-01-01T00:00:00.000Z')
const policy = { maxRetries: 3, baseDelaySeconds: 30 }
const item = (retryCount: number) => ({ retryCount, status: 'in_progress' }) as FrontierItem
const scheduledIn = (change: ReturnType<typeof retryChange>) =>
  (Date.parse(String(change.set.scheduledAt)) - now.getTime()) / 1000

describe('retry backoff', () => {
  it('base × 2^(n−1), of which between half (random 0) and all (random → 1) is waited', () => {
    expect([1, 2, 3].map((n) => backoffSeconds(n, 30, 0))).toEqual([15, 30, 60])
    expect([1, 2, 3].map((n) => backoffSeconds(n, 30, 0.999_999))).toEqual([
      expect.closeTo(30, 3),
      expect.closeTo(60, 3),
      expect.closeTo(120, 3),
    ])
  })

  it('is capped at 3,600 s; an explicit delaySeconds is taken as given', () => {
    expect(backoffSeconds(10, 30, 0.999_999)).toBeCloseTo(3_600, 1)
    expect(backoffSeconds(10, 30, 0)).toBe(1_800)
    expect(
      scheduledIn(retryChange(item(9), { delaySeconds: 86_400 }, { ...policy, maxRetries: 20 }, now, 1)),
    ).toBe(86_400)
  })
})

describe('retryChange', () => {
  it('while retryCount ≤ maxRetries: pending, scheduled, worker and lease and expiry removed', () => {
    const change = retryChange(item(0), { error: 'boom' }, policy, now, 99, 0)
    expect(change.set).toMatchObject({ status: 'pending', retryCount: 1, lastError: 'boom' })
    expect(scheduledIn(change)).toBe(15)
    expect(change.remove).toEqual(['workerId', 'leaseExpiresAt', 'ttl'])
    expect(retryChange(item(2), {}, policy, now, 99).set).not.toHaveProperty('lastError')
    expect(retryChange(item(2), {}, policy, now, 99).set.status).toBe('pending')
  })

  it('past maxRetries: failed, finished, expiring like the other terminal statuses', () => {
    const change = retryChange(item(3), { error: 'last' }, policy, now, 1_800_000_000)
    expect(change.set).toEqual({
      status: 'failed',
      retryCount: 4,
      completedAt: now.toISOString(),
      lastError: 'last',
      ttl: 1_800_000_000,
    })
    expect(change.remove).toEqual(['workerId', 'leaseExpiresAt', 'scheduledAt'])
    expect(retryChange(item(3), {}, policy, now, undefined).remove).toContain('ttl')
    expect(retryChange(item(0), {}, { ...policy, maxRetries: 0 }, now, 1).set.status).toBe('failed')
  })
})
