import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { main } from '../../examples/indexer.js'

describe('indexer example (examples/indexer.ts)', () => {
  it('keeps its index equal to the live pages’ current text over three crawls; the unchanged one delivers nothing', async () => {
    const log = await main('embedded', 100)
    expect(log).toEqual([
      'crawl 1 (first load): 100 changes, index in sync',
      'crawl 2 (5% changed, 2% gone): 7 changes, index in sync',
      'crawl 3 (no change): 0 changes, index in sync',
    ])
  }, 120_000)

  it('its syncIndex is shown verbatim in the README', () => {
    const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')
    const example = read('../../examples/indexer.ts')
    const sync = example.slice(example.indexOf('/**\n * One sync'), example.indexOf('/** What the index'))
    expect(sync.length).toBeGreaterThan(200)
    expect(read('../../README.md')).toContain(sync.trimEnd())
  })
})
