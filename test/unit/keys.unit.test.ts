import { describe, expect, it } from 'vitest'
import { crawlOrderKey, keyPart, priorityKey } from '../../src/keys/key-part.js'

describe('keyPart', () => {
  it('escapes delimiters injectively and keeps case', () => {
    const values = ['a#b', 'a%23b', 'a%b', 'A', 'a', '#', '%', '%h', 'x'.repeat(300), `${'x'.repeat(299)}y`]
    const parts = values.map(keyPart)
    expect(new Set(parts).size).toBe(values.length)
    expect(parts.every((p) => !p.includes('#'))).toBe(true)
  })

  it('bounds long values', () => {
    expect(Buffer.byteLength(keyPart('é'.repeat(2_000)))).toBeLessThan(64)
  })
})

describe('priorityKey', () => {
  it('sorts ascending as priority descending, across signs and fractions', () => {
    const priorities = [1e9, 10, 2.5, 1, 0.5, 0, -0.5, -1, -1e9]
    const keys = priorities.map(priorityKey)
    expect([...keys].sort()).toEqual(keys)
    expect(priorityKey(0)).toBe(priorityKey(-0))
  })
})

describe('crawlOrderKey', () => {
  it('puts never-crawled first, then oldest', () => {
    const keys = [null, new Date('2020-01-01'), new Date('2026-01-01')].map(crawlOrderKey)
    expect([...keys].sort()).toEqual(keys)
  })
})
