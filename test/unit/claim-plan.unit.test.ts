import { describe, expect, it } from 'vitest'
import { ClaimPlan } from '../../src/services/frontier/claim-plan.js'
import { claimStart, queueKeyOf, readyKey, timedKey } from '../../src/services/frontier/queue-key.js'

describe('ClaimPlan', () => {
  it('alone, a worker takes from the head; after a lost race it spreads over the head', () => {
    const plan = new ClaimPlan()
    const candidates = Array.from({ length: 40 }, (_, i) => i)
    expect(plan.arrange('r', candidates, () => 0.99)[0]).toBe(0)
    expect(plan.window('r', 1)).toBe(2)
    plan.lostRace('r', 0)
    expect(plan.spread('r')).toBe(16)
    expect(plan.window('r', 1)).toBe(17)
    expect(plan.arrange('r', candidates, () => 0.5)[0]).toBe(8)
    // Calm for 5 s: the spread halves, down to 1 (strict order again).
    plan.claimedWithoutRace('r', 1_000)
    expect(plan.spread('r')).toBe(16)
    for (let t = 6_000; plan.spread('r') > 1; t += 6_000) plan.claimedWithoutRace('r', t)
    expect(plan.arrange('r', candidates, () => 0.99)[0]).toBe(0)
  })

  it('tries shards found empty last, skips those found empty within a second, forgets on enqueue', () => {
    const plan = new ClaimPlan()
    plan.sawShard('r', 2, false, 1_000)
    expect(plan.shardOrder('r', 4, 2, 1_500)).toEqual([3, 0, 1, 2])
    expect(plan.justFoundEmpty('r', 2, 1_500)).toBe(true)
    expect(plan.justFoundEmpty('r', 2, 2_100)).toBe(false)
    plan.forgetEmpty('r')
    expect(plan.shardOrder('r', 4, 2, 1_500)).toEqual([2, 3, 0, 1])
  })
})

describe('queue keys', () => {
  const at = new Date('2026-01-01T00:00:00Z')
  it('a claim starts after scheduled-for-later and live leases, at the due ones, before ready ones', () => {
    const now = at.getTime()
    const start = claimStart(now)
    const later = timedKey(now + 60_000, 'x')
    const due = timedKey(now - 60_000, 'y')
    const ready = readyKey(5, at, 'z')
    expect(later < start).toBe(true)
    expect(start <= due && due < ready).toBe(true)
    const base = { priority: 1, discoveredAt: at, scheduledAt: null, leaseExpiresAt: null }
    expect(queueKeyOf({ ...base, status: 'completed' }, 'i')).toBeUndefined()
    expect(queueKeyOf({ ...base, status: 'in_progress' }, 'i', now)! >= start).toBe(true)
    expect(readyKey(9, at, 'a') < readyKey(1, at, 'a')).toBe(true)
  })
})
