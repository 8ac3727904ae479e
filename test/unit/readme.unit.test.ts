import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crawl } from '../../examples/crawl-worker.js'
import { moveToSingleTable } from '../../examples/layout-tools.js'
import { main } from '../../examples/usage.js'
import { createStorageBackend } from '../../src/index.js'
import { startLocalEngine } from '../../src/testing/index.js'

describe('README usage example', () => {
  it('is shown verbatim in the README, with the layout-tools and crawl-worker examples', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    for (const file of ['usage.ts', 'layout-tools.ts', 'crawl-worker.ts']) {
      expect(readme).toContain(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'))
    }
  })

  it('moves seeded data between layouts (layout-tools example)', async () => {
    const engine = await startLocalEngine()
    const dir = await mkdtemp(join(tmpdir(), 'ragcrawl-readme-'))
    try {
      const source = createStorageBackend({
        backend: { endpointUrl: engine.endpoint, layout: 'multi-table' },
      })
      await source.initialize()
      await source.saveSite({ siteId: 's', name: 'S', seeds: [] })
      const result = await moveToSingleTable(engine.endpoint, join(dir, 'checkpoint.json'))
      expect(result).toMatchObject({ tables: 1, same: true, report: { ok: true } })
      expect(result.report.tables.sites).toEqual({ read: 1, written: 1, skipped: 0, failed: 0 })
      await source.close()
    } finally {
      await engine.stop()
      await rm(dir, { recursive: true, force: true })
    }
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

  it('crawls a small site with processFrontier (worker example): every page once, a failing fetch retried', async () => {
    const site: Record<string, string[]> = {
      'https://docs.example/': ['https://docs.example/a', 'https://docs.example/b'],
      'https://docs.example/a': ['https://docs.example/', 'https://docs.example/a/1'],
      'https://docs.example/b': ['https://docs.example/a/1', 'https://docs.example/b/1'],
    }
    const fetched: string[] = []
    let flaky = true
    const counts = await crawl(
      'embedded',
      'https://docs.example/',
      async (url) => {
        fetched.push(url)
        if (url.endsWith('/b/1') && flaky) {
          flaky = false
          throw new Error('HTTP 503')
        }
        return site[url] ?? []
      },
      10,
    )
    expect(counts).toMatchObject({ completed: 5, retried: 1, failed: 0, stoppedBy: 'drained' })
    expect(fetched.sort()).toEqual([
      'https://docs.example/',
      'https://docs.example/a',
      'https://docs.example/a/1',
      'https://docs.example/b',
      'https://docs.example/b/1',
      'https://docs.example/b/1',
    ])
  })
})
