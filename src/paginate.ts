import { ValidationError } from './errors.js'

/** What `paginate` passes to `fetchPage`: where the previous page stopped, `null` for the first. */
export interface PageRequest {
  cursor: string | null
}

/** One page of a listing, as every `list…` method returns it (`cursor` null on the last page). */
export interface ListingPage<T> {
  items: readonly T[]
  cursor: string | null
}

/**
 * Every item of a listing, fetching pages lazily: nothing is fetched before the first item is
 * asked for, the next page only once this one's items are consumed, and a `break` stops fetching.
 * `fetchPage` gets `{ cursor }` (null first) and sets its own `limit`; the listing ends at the first
 * page whose `cursor` is null, so it is not for the change feed, whose cursor never is. Each
 * iteration starts the listing again from the beginning.
 *
 * @example
 * for await (const page of paginate((o) => backend.listPages(siteId, { ...o, limit: 500 }))) { ... }
 */
export function paginate<T>(
  fetchPage: (request: PageRequest) => PromiseLike<ListingPage<T>> | ListingPage<T>,
): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => itemsOf(fetchPage) }
}

async function* itemsOf<T>(
  fetchPage: (request: PageRequest) => PromiseLike<ListingPage<T>> | ListingPage<T>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | null = null
  do {
    const page: ListingPage<T> = await fetchPage({ cursor })
    yield* page.items
    // A listing that hands back the cursor it was given would be fetched forever.
    if (page.cursor !== null && page.cursor === cursor) {
      throw new ValidationError([
        {
          path: 'cursor',
          message: 'fetchPage returned the cursor it was given: the listing does not advance',
        },
      ])
    }
    cursor = page.cursor
  } while (cursor !== null)
}
