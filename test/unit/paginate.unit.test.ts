import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type Page,
  type PageRequest,
  paginate,
  type StorageBackend,
  ValidationError,
} from '../../src/index.js'

/** A listing of `pages` (each an array of items) behind a fake fetchPage that records its calls. */
function listing<T>(pages: T[][]) {
  const requests: PageRequest[] = []
  const fetchPage = async (request: PageRequest) => {
    requests.push(request)
    const index = request.cursor === null ? 0 : Number(request.cursor.slice('c'.length))
    const items = pages[index] ?? []
    return { items, cursor: index + 1 < pages.length ? `c${index + 1}` : null }
  }
  return { fetchPage, requests }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

describe('paginate(fetchPage)', () => {
  it('yields every item of every page in order, following each cursor from null until a null one', async () => {
    const { fetchPage, requests } = listing([[1, 2], [3], [4, 5, 6]])
    expect(await collect(paginate(fetchPage))).toEqual([1, 2, 3, 4, 5, 6])
    expect(requests).toEqual([{ cursor: null }, { cursor: 'c1' }, { cursor: 'c2' }])
  })

  it('passes only { cursor }: fetchPage sets its own limit', async () => {
    const { fetchPage, requests } = listing([['a']])
    await collect(paginate(fetchPage))
    expect(Object.keys(requests[0]!)).toEqual(['cursor'])
  })

  it('ends on a first page with a null cursor, empty or not', async () => {
    expect(await collect(paginate(listing([[]]).fetchPage))).toEqual([])
    expect(await collect(paginate(listing([['only']]).fetchPage))).toEqual(['only'])
  })

  it('goes on through empty pages that carry a cursor (a page that spent its read budget)', async () => {
    const { fetchPage, requests } = listing([[], [], ['late']])
    expect(await collect(paginate(fetchPage))).toEqual(['late'])
    expect(requests).toHaveLength(3)
  })

  it('fetches lazily: nothing before the first item is asked for, the next page only when needed', async () => {
    const { fetchPage, requests } = listing([
      [1, 2],
      [3, 4],
    ])
    const iterator = paginate(fetchPage)[Symbol.asyncIterator]()
    expect(requests).toHaveLength(0)
    expect(await iterator.next()).toEqual({ value: 1, done: false })
    expect(await iterator.next()).toEqual({ value: 2, done: false })
    expect(requests).toHaveLength(1)
    expect(await iterator.next()).toEqual({ value: 3, done: false })
    expect(requests).toHaveLength(2)
  })

  it('stops fetching on a break', async () => {
    const { fetchPage, requests } = listing([[1, 2], [3, 4], [5]])
    const seen: number[] = []
    for await (const item of paginate(fetchPage)) {
      seen.push(item)
      if (item === 3) break
    }
    expect(seen).toEqual([1, 2, 3])
    expect(requests).toEqual([{ cursor: null }, { cursor: 'c1' }])
  })

  it("rejects with fetchPage's error, after the items of the pages before it", async () => {
    const failure = new Error('throttled')
    const seen: number[] = []
    const fetchPage = async ({ cursor }: PageRequest) => {
      if (cursor !== null) throw failure
      return { items: [1], cursor: 'next' }
    }
    await expect(
      (async () => {
        for await (const item of paginate(fetchPage)) seen.push(item)
      })(),
    ).rejects.toBe(failure)
    expect(seen).toEqual([1])
  })

  it('fails with a ValidationError instead of looping when a page hands back the cursor it was given', async () => {
    let calls = 0
    const stuck = async (_: PageRequest) => {
      calls++
      return { items: [calls], cursor: 'same' }
    }
    const seen: number[] = []
    const error = await (async () => {
      for await (const item of paginate(stuck)) seen.push(item)
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).paths).toEqual(['cursor'])
    expect({ calls, seen }).toEqual({ calls: 2, seen: [1, 2] })
  })

  it('starts the listing again from the beginning on each iteration', async () => {
    const { fetchPage, requests } = listing([[1], [2]])
    const all = paginate(fetchPage)
    expect(await collect(all)).toEqual([1, 2])
    expect(await collect(all)).toEqual([1, 2])
    expect(requests.map((r) => r.cursor)).toEqual([null, 'c1', null, 'c1'])
  })

  it('accepts a synchronous fetchPage', async () => {
    expect(await collect(paginate(() => ({ items: ['x'], cursor: null })))).toEqual(['x'])
  })

  it("types its items from the backend's listing", () => {
    const pagesOf = (backend: StorageBackend, siteId: string) =>
      paginate((o) => backend.listPages(siteId, { ...o, limit: 500 }))
    expectTypeOf(pagesOf).returns.toEqualTypeOf<AsyncIterable<Page>>()
  })
})
