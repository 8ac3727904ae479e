import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { main } from '../../examples/usage.js'

describe('README usage example', () => {
  it('is shown verbatim in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const example = readFileSync(new URL('../../examples/usage.ts', import.meta.url), 'utf8')
    expect(readme).toContain(example)
  })

  it('runs on the embedded engine', async () => {
    const log = await main('embedded')
    expect(log).toEqual([
      'stale write refused: CONFLICT',
      'page by URL: true',
      'current version: true',
      'listed 1 page(s)',
      'live pages: 1',
    ])
  })
})
