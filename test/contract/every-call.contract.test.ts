import { describe, expect, it } from 'vitest'
import { createStorageBackend, type StorageBackend, ValidationError } from '../../src/index.js'
import type { LayoutBackend } from '../../src/services/backend.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { frontierItem, page, site, version } from '../support/fixtures.js'

// API.md "Every call": every method takes an AbortSignal and strict options. The calls come from
// one table whose keys must cover the whole interface, so a new method cannot be left out.

type Extra = Record<string, unknown>
type Call = (backend: StorageBackend, extra: Extra) => Promise<unknown>
type Method = Exclude<keyof StorageBackend, 'metrics'>

const s = site()
const p = page(s.siteId, 'https://example.com/every-call')
const v = version(p)

const CALLS = {
  saveSite: (b, x) => b.saveSite(s, x),
  getSite: (b, x) => b.getSite(s.siteId, x),
  listSites: (b, x) => b.listSites({ limit: 5, ...x }),
  deleteSite: (b, x) => b.deleteSite(s.siteId, x),
  getSiteWithRuns: (b, x) => b.getSiteWithRuns(s.siteId, { limit: 3, ...x }),
  saveRun: (b, x) => b.saveRun({ runId: 'run-every', siteId: s.siteId }, x),
  getRun: (b, x) => b.getRun('run-every', x),
  listRuns: (b, x) => b.listRuns(s.siteId, x),
  getLatestRun: (b, x) => b.getLatestRun(s.siteId, x),
  savePage: (b, x) => b.savePage(p, x),
  getPage: (b, x) => b.getPage(s.siteId, p.pageId, x),
  getPageByUrl: (b, x) => b.getPageByUrl(s.siteId, p.url, x),
  listPages: (b, x) => b.listPages(s.siteId, { includeTombstones: true, ...x }),
  getPagesNeedingRecrawl: (b, x) => b.getPagesNeedingRecrawl(s.siteId, { maxAgeHours: 1, ...x }),
  countPages: (b, x) => b.countPages(s.siteId, x),
  savePagesBulk: (b, x) => b.savePagesBulk([p], x),
  listPageChanges: (b, x) => b.listPageChanges(s.siteId, { limit: 5, ...x }),
  followPageChanges: async (b, x) => {
    for await (const _ of b.followPageChanges(s.siteId, { pollMs: 1, ...x })) break
  },
  saveVersion: (b, x) => b.saveVersion(v, x),
  getVersion: (b, x) => b.getVersion(p.pageId, v.versionId, x),
  getCurrentVersion: (b, x) => b.getCurrentVersion(p.pageId, x),
  listVersions: (b, x) => b.listVersions(p.pageId, x),
  saveVersionsBulk: (b, x) => b.saveVersionsBulk([v], x),
  commitVersion: (b, x) => b.commitVersion(p, v, x),
  getPageWithVersions: (b, x) => b.getPageWithVersions(s.siteId, p.pageId, x),
  saveFrontierItem: (b, x) => b.saveFrontierItem(frontierItem('run-every', s.siteId, p.url), x),
  enqueueFrontierItems: (b, x) => b.enqueueFrontierItems([frontierItem('run-every', s.siteId, p.url)], x),
  getFrontierItems: (b, x) => b.getFrontierItems('run-every', { status: 'pending', ...x }),
  claimFrontierItems: (b, x) => b.claimFrontierItems('run-every', { workerId: 'w1', ...x }),
  updateFrontierStatus: (b, x) => b.updateFrontierStatus('run-every', 'item-1', 'completed', x),
  clearFrontier: (b, x) => b.clearFrontier('run-every', x),
  extendFrontierLease: (b, x) =>
    b.extendFrontierLease('run-every', 'item-1', { workerId: 'w1', leaseSeconds: 60, ...x }),
  retryFrontierItem: (b, x) => b.retryFrontierItem('run-every', 'item-1', { error: 'boom', ...x }),
  requeueFailedFrontierItems: (b, x) => b.requeueFailedFrontierItems('run-every', x),
  initialize: (b, x) => b.initialize(x),
  healthCheck: (b, x) => b.healthCheck(x),
  healthReport: (b, x) => b.healthReport(x),
  close: (b, x) => b.close(x),
} satisfies Record<Method, Call>

/** Methods that never throw (API.md "Details of 0.2"). */
const NEVER_THROW = new Set<Method>(['healthCheck', 'healthReport', 'close'])
const METHODS = Object.keys(CALLS) as Method[]
const THROWING = METHODS.filter((m) => !NEVER_THROW.has(m))
/** followPageChanges ends (no error) when its signal aborts: a stop, not a failure. */
const ENDS_ON_ABORT = new Set<Method>(['followPageChanges'])

// Type level: every method of the interface has a call (and nothing else does).
type Missing = Exclude<Method, keyof typeof CALLS>
const _allCovered: Missing extends never ? true : Missing = true

function aborted(): AbortSignal {
  const controller = new AbortController()
  controller.abort()
  return controller.signal
}

describe.each(MATRIX)('every call — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)
    const requests = () => ctx.backend.metrics().requests
    /** `close` gets a backend of its own, so the shared one stays open. */
    const target = (method: Method) => (method === 'close' ? createStorageBackend(ctx.config) : ctx.backend)

    it.each(THROWING)(
      '%s: an unknown option key is a ValidationError naming it, before any request',
      async (method) => {
        const before = requests()
        const error = await CALLS[method](ctx.backend, { bogusOption: 1 }).catch((e: unknown) => e)
        expect(error, method).toBeInstanceOf(ValidationError)
        expect((error as ValidationError).paths, method).toContain('bogusOption')
        expect(requests(), method).toBe(before)
      },
    )

    it.each(THROWING.filter((m) => !ENDS_ON_ABORT.has(m)))(
      '%s: an aborted signal rejects with AbortError and sends nothing',
      async (method) => {
        const before = requests()
        const reason = new DOMException('stop', 'AbortError')
        const controller = new AbortController()
        controller.abort(reason)
        const error = await CALLS[method](ctx.backend, { signal: controller.signal }).catch((e: unknown) => e)
        expect((error as Error)?.name, method).toBe('AbortError')
        expect(requests(), method).toBe(before)
      },
    )

    it('followPageChanges: an aborted signal ends the iteration and sends nothing', async () => {
      const before = requests()
      await expect(CALLS.followPageChanges(ctx.backend, { signal: aborted() })).resolves.toBeUndefined()
      expect(requests()).toBe(before)
    })

    it.each([...NEVER_THROW])('%s: takes { signal } and strict options but never throws', async (method) => {
      const before = requests()
      const whenAborted = await CALLS[method](target(method), { signal: aborted() })
      const withUnknownKey = await CALLS[method](target(method), { bogusOption: 1 })
      expect(requests()).toBe(before)
      if (method === 'healthCheck') expect([whenAborted, withUnknownKey]).toEqual([false, false])
      if (method === 'healthReport') {
        expect(whenAborted).toMatchObject({ ok: false, error: expect.stringMatching(/abort/) })
        expect(withUnknownKey).toMatchObject({ ok: false, error: expect.stringMatching(/bogusOption/) })
      }
    })

    /** Aborts `controller` when the `nth` request is about to be sent; counts requests sent after. */
    function abortAt(nth: number, controller: AbortController) {
      const transport = (ctx.backend as LayoutBackend).transport
      let seen = 0
      let afterAbort = 0
      const stop = transport.onRequest(() => {
        if (controller.signal.aborted) afterAbort++
        else if (++seen === nth) controller.abort()
      })
      return { stop, sentAfterAbort: () => afterAbort }
    }

    const many = (siteId: string, n: number) =>
      Array.from({ length: n }, (_, i) => page(siteId, `https://example.com/many/${i}`))

    async function consistentCounts(siteId: string) {
      const listed: unknown[] = []
      let cursor: string | null = null
      do {
        const result = await ctx.backend.listPages(siteId, { cursor, includeTombstones: true, limit: 1000 })
        listed.push(...result.items)
        cursor = result.cursor
      } while (cursor)
      expect(await ctx.backend.countPages(siteId, { includeTombstones: true })).toBe(listed.length)
    }

    it('savePagesBulk of 300 pages aborted mid-way: AbortError, no request after, counts consistent', async () => {
      const owner = await ctx.backend.saveSite(site())
      const controller = new AbortController()
      const probe = abortAt(3, controller)
      const error = await ctx.backend
        .savePagesBulk(many(owner.siteId, 300), { signal: controller.signal })
        .catch((e: unknown) => e)
      probe.stop()
      expect((error as Error).name).toBe('AbortError')
      expect(probe.sentAfterAbort()).toBe(0)
      await consistentCounts(owner.siteId)
    })

    it('deleteSite aborted mid-way: AbortError, no request after, counts consistent; deleting again completes', async () => {
      const owner = await ctx.backend.saveSite(site())
      await ctx.backend.savePagesBulk(many(owner.siteId, 120))
      const controller = new AbortController()
      const probe = abortAt(2, controller)
      const error = await ctx.backend
        .deleteSite(owner.siteId, { signal: controller.signal })
        .catch((e: unknown) => e)
      probe.stop()
      expect((error as Error).name).toBe('AbortError')
      expect(probe.sentAfterAbort()).toBe(0)
      await consistentCounts(owner.siteId)
      await ctx.backend.deleteSite(owner.siteId)
      expect(await ctx.backend.getSite(owner.siteId)).toBeNull()
      expect((await ctx.backend.listPages(owner.siteId, { includeTombstones: true })).items).toEqual([])
    })

    it('a listing that reads several pages stops at the abort', async () => {
      const owner = await ctx.backend.saveSite(site())
      await ctx.backend.savePagesBulk(many(owner.siteId, 40).map((x) => ({ ...x, isTombstone: true })))
      await ctx.backend.savePage(page(owner.siteId, 'https://example.com/live'))
      const controller = new AbortController()
      const probe = abortAt(1, controller)
      const error = await ctx.backend
        .listPages(owner.siteId, { limit: 1, signal: controller.signal })
        .catch((e: unknown) => e)
      probe.stop()
      expect((error as Error).name).toBe('AbortError')
      expect(probe.sentAfterAbort()).toBe(0)
    })

    it('an in-flight request is cancelled: the SDK abort surfaces as AbortError', async () => {
      const controller = new AbortController()
      const probe = abortAt(1, controller)
      const error = await ctx.backend
        .getSite(s.siteId, { signal: controller.signal })
        .catch((e: unknown) => e)
      probe.stop()
      expect((error as Error).name).toBe('AbortError')
    })
  })
})
