import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStorageBackend } from '../../src/index.js'
import { site } from '../support/fixtures.js'

describe('embedded engine', () => {
  it("'embedded:<dir>' persists across backends; close() stops the engine and is idempotent", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragcrawl-embedded-'))
    try {
      const config = { backend: { endpointUrl: `embedded:${dir}`, layout: 'multi-table' as const } }
      const first = createStorageBackend(config)
      await first.initialize()
      const saved = await first.saveSite(site())
      await first.close()
      await first.close()
      const second = createStorageBackend(config)
      expect(await second.healthCheck()).toBe(true)
      expect(await second.getSite(saved.siteId)).toEqual(saved)
      await second.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("'embedded' is in memory: a new backend starts empty", async () => {
    const first = createStorageBackend({ backend: { endpointUrl: 'embedded' } })
    await first.initialize()
    const saved = await first.saveSite(site())
    await first.close()
    const second = createStorageBackend({ backend: { endpointUrl: 'embedded' } })
    await second.initialize()
    expect(await second.getSite(saved.siteId)).toBeNull()
    await second.close()
  })
})
