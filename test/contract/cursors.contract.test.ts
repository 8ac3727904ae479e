import { beforeAll, describe, expect, it } from 'vitest'
import { type CrawlRun, type ListResult, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX, useBackend } from '../support/engines.js'
import { frontierItem, page, run, site, version } from '../support/fixtures.js'

type Listing = (opts: { limit: number; cursor?: string | null }) => Promise<ListResult<unknown>>
type Owner = 'a' | 'b'

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

/** Hand-made and garbage cursors: none was returned by any listing. */
const GARBAGE = [
  'garbage',
  '%%%not base64%%%',
  '',
  b64('not json'),
  b64('{}'),
  b64('[]'),
  b64('null'),
  b64('42'),
  b64('1e999'),
  b64('{"p":1e999,"d":"2026-01-01T00:00:00.000Z","i":"x"}'),
  b64('{"p":1,"d":"not a date","i":"x"}'),
  b64('{"q":0,"c":"x"}'),
  b64('{"q":99,"c":null}'),
  b64('{"q":-1,"c":null}'),
  b64(`[${Array.from({ length: 16 }, () => 'true').join(',')}]`),
  b64(`[${Array.from({ length: 16 }, () => '{"pk":"x"}').join(',')}]`),
  b64('{"pk":"x","sk":"y"}'),
  b64('{"pk":{"S":"x"},"sk":[]}'),
  b64('{"pk":1e999,"sk":"y"}'),
  b64('{"c":"x","s":"y"}'),
  b64('{"s":"x","k":{}}'),
  b64('{"v":1,"s":"","k":{"pk":"x"}}'),
]

// Every listing method refuses a cursor it did not return (another site's or run's, another
// method's, a hand-made or garbage one) with a ValidationError naming `cursor`: never an engine
// error, a TypeError, an empty page, or another site's items.
describe.each(MATRIX)('cursors — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const ctx = useBackend(engine, layout)
    const listings = new Map<string, (owner: Owner) => Listing>()

    beforeAll(async () => {
      const ids = {} as Record<Owner, { siteId: string; pageId: string; runId: string }>
      for (const owner of ['a', 'b'] as const) {
        const s = await ctx.backend.saveSite(site())
        const runs: CrawlRun[] = []
        for (let i = 0; i < 3; i++) runs.push(await ctx.backend.saveRun(run(s.siteId)))
        const pages = []
        for (let i = 0; i < 4; i++) {
          const crawled = i % 2 === 0 ? { lastCrawled: new Date(Date.UTC(2025, 0, 1 + i)) } : {}
          pages.push(
            await ctx.backend.savePage(page(s.siteId, `https://${owner}.example.com/${i}`, { ...crawled })),
          )
        }
        for (let i = 0; i < 3; i++) await ctx.backend.saveVersion(version(pages[0]!))
        await ctx.backend.enqueueFrontierItems(
          Array.from({ length: 4 }, (_, i) =>
            frontierItem(runs[0]!.runId, s.siteId, `https://${owner}.example.com/f${i}`, { priority: i % 2 }),
          ),
        )
        ids[owner] = { siteId: s.siteId, pageId: pages[0]!.pageId, runId: runs[0]!.runId }
      }
      const b = ctx.backend
      listings.set('listSites', () => (o) => b.listSites(o))
      listings.set('listRuns', (w) => (o) => b.listRuns(ids[w].siteId, o))
      listings.set('listPages', (w) => (o) => b.listPages(ids[w].siteId, o))
      listings.set(
        'listPages+tombstones',
        (w) => (o) => b.listPages(ids[w].siteId, { ...o, includeTombstones: true }),
      )
      listings.set('getPagesNeedingRecrawl', (w) => (o) => b.getPagesNeedingRecrawl(ids[w].siteId, o))
      listings.set(
        'getPagesNeedingRecrawl+maxAge',
        (w) => (o) => b.getPagesNeedingRecrawl(ids[w].siteId, { ...o, maxAgeHours: 1 }),
      )
      listings.set('listVersions', (w) => (o) => b.listVersions(ids[w].pageId, o))
      listings.set('getFrontierItems', (w) => (o) => b.getFrontierItems(ids[w].runId, o))
      listings.set(
        'getFrontierItems+pending',
        (w) => (o) => b.getFrontierItems(ids[w].runId, { ...o, status: 'pending' }),
      )
    }, 60_000)

    /** The first page's cursor of `name` for `owner` (every listing has more than one item). */
    async function cursorOf(name: string, owner: Owner): Promise<string> {
      const { cursor } = await listings.get(name)!(owner)({ limit: 1 })
      expect(cursor, `${name} returns a cursor`).not.toBeNull()
      return cursor!
    }

    async function expectRefused(listing: Listing, cursor: string, label: string) {
      const error = await listing({ limit: 1, cursor }).then(
        (page) => new Error(`${label}: accepted, returned ${JSON.stringify(page)}`),
        (e: unknown) => e,
      )
      expect(error, label).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).paths, label).toContain('cursor')
    }

    const names = () => [...listings.keys()]
    /** The same method with other filters: its cursors may be accepted (a position in the same order). */
    const sameMethod = (x: string, y: string) => x.split('+')[0] === y.split('+')[0]

    it('a listing follows its own cursors', async () => {
      for (const name of names()) {
        const listing = listings.get(name)!('a')
        const next = await listing({ limit: 1, cursor: await cursorOf(name, 'a') })
        expect(next.items.length, name).toBe(1)
      }
    })

    it("refuses another site's (or run's, or page's) cursor", async () => {
      for (const name of names().filter((n) => n !== 'listSites')) {
        await expectRefused(listings.get(name)!('a'), await cursorOf(name, 'b'), `${name} with b's cursor`)
      }
    })

    it("refuses another method's cursor", async () => {
      for (const name of names()) {
        for (const other of names().filter((o) => !sameMethod(o, name))) {
          await expectRefused(
            listings.get(name)!('a'),
            await cursorOf(other, 'a'),
            `${name} with ${other}'s cursor`,
          )
        }
      }
    })

    it("refuses a cursor re-made with this listing's digest around another position", async () => {
      const open = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
      const remade = (cursor: string, k: unknown) => b64(JSON.stringify({ ...open(cursor), k }))
      for (const name of names()) {
        const own = await cursorOf(name, 'a')
        const { k } = open(own)
        const retyped = (value: unknown): unknown =>
          Array.isArray(value)
            ? value.map(retyped)
            : value && typeof value === 'object'
              ? Object.fromEntries(
                  Object.entries(value).map(([key, v]) => [key, typeof v === 'string' ? 7 : { v }]),
                )
              : value
        const crafted = [retyped(k), { ...(k as object), extra: 'x' }, null, 'x', [k]]
        if (name !== 'listSites') crafted.push(open(await cursorOf(name, 'b')).k)
        for (const position of crafted)
          await expectRefused(
            listings.get(name)!('a'),
            remade(own, position),
            `${name} with ${JSON.stringify(position)}`,
          )
      }
    })

    it('refuses hand-made and garbage cursors', async () => {
      for (const name of names()) {
        for (const cursor of GARBAGE)
          await expectRefused(listings.get(name)!('a'), cursor, `${name} with ${cursor}`)
      }
    })
  })
})
