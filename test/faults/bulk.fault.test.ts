import { describe, expect, it } from 'vitest'
import { type PageInput, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { useFaultyBackend } from '../support/fault-client.js'
import { page, site, version } from '../support/fixtures.js'

const LOCAL = MATRIX.filter(({ engine }) => engine === 'dynamodb-local')

/** Pages written by the requests in `sent` since `from`: statements of BatchExecuteStatement and page UpdateItems. */
function pageWritesSince(sent: { operation: string; command: unknown }[], from: number): number {
  return sent.slice(from).reduce((sum, { operation, command }) => {
    const input = (command as { input?: Record<string, unknown> }).input ?? {}
    if (isWriteBatch(operation, command)) return sum + ((input.Statements as unknown[]) ?? []).length
    if (operation === 'UpdateItem' && String(input.UpdateExpression).includes('if_not_exists')) return sum + 1
    return sum
  }, 0)
}

function isWriteBatch(operation: string, command: unknown): boolean {
  const statements = (command as { input?: { Statements?: { Statement?: string }[] } }).input?.Statements
  return operation === 'BatchExecuteStatement' && !statements?.[0]?.Statement?.startsWith('SELECT')
}

function statementRequestsSince(sent: { operation: string; command: unknown }[], from: number): number {
  return sent.slice(from).filter(({ operation, command }) => isWriteBatch(operation, command)).length
}

async function* stream<T>(items: T[], onRead?: (index: number) => void): AsyncGenerator<T> {
  for (const [index, item] of items.entries()) {
    onRead?.(index)
    await Promise.resolve()
    yield item
  }
}

// BatchExecuteStatement is DynamoDB Local's (and AWS's); dynalite takes the per-item path.
describe.each(LOCAL)(
  'savePagesBulk through PartiQL batches under faults — $layout on $engine',
  ({ layout, engine }) => {
    describe.skipIf(!engineAvailable(engine))('', () => {
      const env = useFaultyBackend(engine, layout)

      async function seeded(count: number, label: string) {
        const s = await env.clean.saveSite(site())
        const pages = Array.from({ length: count }, (_, i) =>
          page(s.siteId, `https://example.com/${label}/${i}`),
        )
        return { siteId: s.siteId, pages }
      }

      async function revisions(siteId: string, pages: PageInput[]): Promise<number[]> {
        return Promise.all(pages.map(async (p) => (await env.clean.getPage(siteId, p.pageId))?.revision ?? 0))
      }

      it('is sent as BatchExecuteStatement (25 statements a request), not one UpdateItem per page', async () => {
        const { siteId, pages } = await seeded(60, 'batched')
        const from = env.faults.sent.length
        expect(await env.backend.savePagesBulk(pages)).toBe(60)
        // Three requests of statements (and the capability probe, on a backend's first bulk save).
        expect(statementRequestsSince(env.faults.sent, from)).toBe(3)
        expect(pageWritesSince(env.faults.sent, from)).toBe(60)
        expect(await env.clean.countPages(siteId)).toBe(60)
      })

      it('a throttled statement is retried: every page saved once, counted once', async () => {
        const { siteId, pages } = await seeded(60, 'throttled')
        env.faults.inject({ operation: 'BatchExecuteStatement', fault: 'throttle-statement', times: 2 })
        expect(await env.backend.savePagesBulk(pages)).toBe(60)
        expect(env.faults.sent.filter((e) => e.fault === 'throttle-statement').length).toBe(2)
        expect(await revisions(siteId, pages)).toEqual(pages.map(() => 1))
        expect(await env.clean.countPages(siteId)).toBe(60)
        expect(await env.backend.savePagesBulk(pages.map((p) => ({ ...p, isTombstone: true })))).toBe(60)
        env.faults.clear()
        expect(await revisions(siteId, pages)).toEqual(pages.map(() => 2))
        expect(await env.clean.countPages(siteId)).toBe(0)
        expect(await env.clean.countPages(siteId, { includeTombstones: true })).toBe(60)
      })

      for (const fault of ['replay', 'lost-answer'] as const) {
        it(`a request whose answer was lost (${fault}) leaves revisions and counts of one delivery`, async () => {
          const { siteId, pages } = await seeded(60, `lost-${fault}`)
          const from = env.faults.sent.length
          env.faults.inject({ operation: 'BatchExecuteStatement', fault, times: 3 })
          expect(await env.backend.savePagesBulk(pages)).toBe(60)
          expect(env.faults.sent.slice(from).filter((e) => e.fault === fault).length).toBe(3)
          expect(await revisions(siteId, pages)).toEqual(pages.map(() => 1))
          expect(await env.clean.countPages(siteId, { includeTombstones: true })).toBe(60)
          // Existing pages, some made tombstones: each revision + 1 exactly, the live count follows.
          const next = pages.map((p, i) => ({ ...p, isTombstone: i % 3 === 0, depth: 2 }))
          expect(await env.backend.savePagesBulk(next)).toBe(60)
          env.faults.clear()
          expect(await revisions(siteId, pages)).toEqual(pages.map(() => 2))
          expect(await env.clean.countPages(siteId)).toBe(40)
          expect(await env.clean.countPages(siteId, { includeTombstones: true })).toBe(60)
          expect((await env.clean.getPage(siteId, pages[1]!.pageId))?.depth).toBe(2)
        })
      }

      it('a request resent after a later save changes nothing', async () => {
        const { siteId, pages } = await seeded(30, 'resent')
        const from = env.faults.sent.length
        expect(await env.backend.savePagesBulk(pages)).toBe(30)
        const first = env.faults.sent.findIndex(
          (e, i) => i >= from && e.operation === 'BatchExecuteStatement',
        )
        expect(await env.backend.savePagesBulk(pages.map((p) => ({ ...p, depth: 5 })))).toBe(30)
        const again = (await env.faults.resend(first)) as { Responses?: { Error?: { Code?: string } }[] }
        expect(again.Responses?.every((r) => r.Error !== undefined)).toBe(true)
        expect(await revisions(siteId, pages)).toEqual(pages.map(() => 2))
        expect((await env.clean.getPage(siteId, pages[0]!.pageId))?.depth).toBe(5)
        expect(await env.clean.countPages(siteId)).toBe(30)
      })

      it('a page changed by another writer between the read and the statement gets the newer revision', async () => {
        const { siteId, pages } = await seeded(10, 'raced')
        await env.clean.savePagesBulk(pages)
        // The other writer's save lands after the bulk read the pages, before its statements run.
        env.faults.inject({
          operation: 'BatchExecuteStatement',
          fault: 'pass',
          times: 1,
          before: () => env.clean.savePage({ ...pages[0]!, depth: 9 }),
        })
        expect(await env.backend.savePagesBulk(pages.map((p) => ({ ...p, depth: 4 })))).toBe(10)
        env.faults.clear()
        const stored = await revisions(siteId, pages)
        expect(stored.slice(1)).toEqual(pages.slice(1).map(() => 2))
        expect(stored[0]).toBe(3)
        expect(await env.clean.countPages(siteId)).toBe(10)
      })
    })
  },
)

describe.each(MATRIX)('bulk saves of an AsyncIterable — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)

    it('reads the input as it saves it: never more than 400 pages ahead of the writes', async () => {
      const s = await env.clean.saveSite(site())
      const pages = Array.from({ length: 1_000 }, (_, i) => page(s.siteId, `https://example.com/stream/${i}`))
      const from = env.faults.sent.length
      let ahead = 0
      const count = await env.backend.savePagesBulk(
        stream(pages, (index) => {
          ahead = Math.max(ahead, index - pageWritesSince(env.faults.sent, from))
        }),
      )
      expect(count).toBe(1_000)
      expect(ahead).toBeLessThanOrEqual(400)
      expect(await env.clean.countPages(s.siteId)).toBe(1_000)
    })

    it('a bad item is a ValidationError naming it; the groups before it are saved and counted, not its own', async () => {
      const s = await env.clean.saveSite(site())
      const pages = Array.from({ length: 300 }, (_, i) => page(s.siteId, `https://example.com/bad/${i}`))
      const input = [...pages.slice(0, 150), { ...pages[150]!, depth: -1 }, ...pages.slice(151)]
      const error = await env.backend.savePagesBulk(stream(input as PageInput[])).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).paths).toEqual(['pages.150.depth'])
      expect(await env.clean.countPages(s.siteId)).toBe(100)
      expect(await env.clean.getPage(s.siteId, pages[99]!.pageId)).not.toBeNull()
      for (const p of pages.slice(100)) expect(await env.clean.getPage(s.siteId, p.pageId)).toBeNull()
    })

    it('saveVersionsBulk takes an AsyncIterable too', async () => {
      const s = await env.clean.saveSite(site())
      const p = page(s.siteId, 'https://example.com/versions-stream')
      const versions = Array.from({ length: 230 }, (_, i) => version(p, { contentHash: `h${i}` }))
      expect(await env.backend.saveVersionsBulk(stream(versions))).toBe(230)
      const stored = await env.clean.getVersion(p.pageId, versions[229]!.versionId)
      expect(stored?.contentHash).toBe('h229')
      await expect(env.backend.saveVersionsBulk({} as never)).rejects.toBeInstanceOf(ValidationError)
    })
  })
})
