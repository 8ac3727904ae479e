import { describe, expect, it } from 'vitest'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { useFaultyBackend } from '../support/fault-client.js'
import { page, site } from '../support/fixtures.js'

// The fault client itself, on every layout × engine: each fault does what it says, so the fault
// tests built on it fault what they claim to.
describe.each(MATRIX)('fault client — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)

    it('throttle: nothing reaches the engine', async () => {
      const p = page(site().siteId, 'https://example.com/throttled')
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle', nth: 1 })
      await expect(env.backend.savePage(p)).rejects.toMatchObject({ code: 'CAPACITY' })
      env.faults.clear()
      expect(await env.clean.getPage(p.siteId, p.pageId)).toBeNull()
    })

    it('lost-answer: the engine applied it, the caller got an error', async () => {
      const p = page(site().siteId, 'https://example.com/lost')
      env.faults.inject({ operation: 'UpdateItem', fault: 'lost-answer', nth: 1 })
      await expect(env.backend.savePage(p)).rejects.toThrow(/answer was lost/)
      env.faults.clear()
      expect((await env.clean.getPage(p.siteId, p.pageId))?.revision).toBe(1)
    })

    it('replay and resend deliver the same command twice', async () => {
      const s = site()
      await env.clean.saveSite(s)
      const p = page(s.siteId, 'https://example.com/replayed')
      const from = env.faults.sent.length
      env.faults.inject({ operation: 'UpdateItem', fault: 'replay', nth: 1 })
      const saved = await env.backend.savePage(p)
      env.faults.clear()
      expect(env.faults.operationsSince(from)).toContain('UpdateItem')
      expect(saved.revision).toBe(1)
      const index = env.faults.sent.findIndex((e, i) => i >= from && e.operation === 'UpdateItem')
      expect(env.faults.sent[index]?.fault).toBe('replay')
      // Delivered a third time, right away: still recognised as the same save.
      await env.faults.resend(index).catch(() => undefined)
      expect((await env.clean.getPage(s.siteId, p.pageId))?.revision).toBe(1)
    })
  })
})
