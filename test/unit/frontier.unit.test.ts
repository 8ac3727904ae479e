import { describe, expect, it } from 'vitest'
import type { FrontierItem } from '../../src/model/schemas.js'
import {
  type Candidate,
  compareQueueOrder,
  statusChange,
  type Taker,
  takeInOrder,
} from '../../src/services/frontier/frontier-store.js'

const now = new Date('2026-01-01T00:00:00.000Z')
const claim = { workerId: 'w1', limit: 2, leaseSeconds: 60 }

function item(itemId: string, priority = 0, discoveredAt = now): FrontierItem {
  return { itemId, priority, discoveredAt, status: 'pending' } as FrontierItem
}

async function* pages(...ps: Candidate[][]) {
  for (const p of ps) yield p
}
const candidate = (i: FrontierItem): Candidate => ({ item: i, storedLease: undefined })

describe('statusChange', () => {
  it('a finished status stamps completedAt and an expiry and ends the lease', () => {
    const change = statusChange('completed', now, 1)
    expect(change.set).toEqual({
      status: 'completed',
      completedAt: now.toISOString(),
      ttl: now.getTime() / 1000 + 86_400,
    })
    expect(change.remove).toEqual(['leaseExpiresAt'])
    expect(change.countsRetry).toBe(false)
  })
  it('failed counts a retry and keeps the error; pending forgets the worker and the expiry', () => {
    expect(statusChange('failed', now, null, 'boom')).toMatchObject({
      set: { status: 'failed', lastError: 'boom' },
      remove: ['ttl', 'leaseExpiresAt'],
      countsRetry: true,
    })
    expect(statusChange('pending', now, 1).remove).toEqual(['ttl', 'leaseExpiresAt', 'workerId'])
    expect(statusChange('in_progress', now, 1).remove).toEqual(['ttl'])
  })
})

describe('queue order', () => {
  it('highest priority first, then oldest discoveredAt, then itemId', () => {
    const later = new Date(now.getTime() + 1000)
    const items = [item('b', 1, later), item('c', 1), item('a', 1), item('z', 5, later)]
    expect(items.sort(compareQueueOrder).map((i) => i.itemId)).toEqual(['z', 'a', 'c', 'b'])
  })
})

describe('takeInOrder with a fake taker', () => {
  const fake = (
    take: Taker['take'],
    landed: Taker['landed'] = async () => null,
  ): Taker & { released: string[] } => {
    const released: string[] = []
    return { take, landed, release: async ({ item }) => void released.push(item.itemId), released }
  }

  it('moves past lost races and stops at the limit', async () => {
    const taker = fake(async ({ item }) => (item.itemId === 'a' ? null : item))
    const got = await takeInOrder(
      pages([candidate(item('a')), candidate(item('b'))], [candidate(item('c')), candidate(item('d'))]),
      2,
      claim,
      taker,
    )
    expect(got.map((i) => i.itemId)).toEqual(['b', 'c'])
  })

  it('after an unanswered take returns the item if it landed, and ends the claim', async () => {
    const taker = fake(
      async ({ item }) => {
        if (item.itemId === 'a') throw new Error('lost answer')
        return item
      },
      async ({ item }) => item,
    )
    const got = await takeInOrder(pages([candidate(item('a'))], [candidate(item('b'))]), 2, claim, taker)
    expect(got.map((i) => i.itemId)).toEqual(['a'])
  })

  it('releases an item it cannot check, and throws only when it took nothing', async () => {
    const taker = fake(
      async () => {
        throw new Error('lost answer')
      },
      async () => {
        throw new Error('read failed')
      },
    )
    await expect(takeInOrder(pages([candidate(item('a'))]), 1, claim, taker)).rejects.toThrow('lost answer')
    expect(taker.released).toEqual(['a'])
  })
})
