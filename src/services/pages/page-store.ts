import { CapacityError, ValidationError } from '../../errors.js'
import type { Page } from '../../model/schemas.js'
import type { PageStore, RecrawlQuery } from '../layout.js'
import { isThrottling } from '../plumbing/aws-errors.js'
import { chainedQueryPage, type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import { forEachConcurrent } from '../plumbing/retry.js'
import type { PagesAdapter } from './adapter.js'
import { type ChangesPage, type ListChangesOptions, listChanges } from './page-changes.js'
import { addToSiteSum, type PageCountDelta, PageCounter } from './page-counter.js'
import { checkedPageWrite, type PageWriteOptions, type PreparedSave, UncertainSaves } from './page-write.js'

/**
 * Pages of either layout: by id, by exact URL, a site's pages, the recrawl queue and O(1) counts
 * on a counter item. Saves and counter updates are replay-safe (`preparePageWrite`, `PageCounter`).
 */
export class Pages implements PageStore {
  /** Counter updates: one writer per backend instance, replay-safe (see `PageCounter`). */
  private readonly counter: PageCounter
  /** This instance's page saves whose answer was lost (see `UncertainSaves`). */
  private readonly uncertain = new UncertainSaves()

  constructor(private readonly adapter: PagesAdapter) {
    this.counter = new PageCounter(adapter.transport, adapter.countWriters, (siteId, total, live) =>
      adapter.counterParams(siteId, total, live),
    )
  }

  /**
   * One UpdateItem that replaces the page and adds 1 to `revision`, conditional on
   * `expectedRevision`; its UPDATED_OLD values tell whether the page is new or changed liveness,
   * and only then is the counter item touched.
   */
  async save(page: Page, expectedRevision: number | undefined): Promise<Page> {
    const { page: saved, deltas } = await this.prepareWrite(page, expectedRevision).send()
    await this.applyCounts(deltas)
    return saved
  }

  prepareWrite(page: Page, expectedRevision?: number, options?: PageWriteOptions): PreparedSave {
    // The adapter's ElectroDB request (keys, index keys); the replay-safe write adds the write
    // tokens and the pre-image.
    return checkedPageWrite(
      this.adapter.transport,
      this.adapter.saveParams(page, expectedRevision),
      this.adapter.writeAttributes,
      { page, expectedRevision, uncertain: this.uncertain },
      options,
    )
  }

  /** Adds the deltas to each site's counters: one UpdateItem per site that changed. */
  applyCounts(deltas: PageCountDelta[]): Promise<void> {
    return this.counter.apply(deltas)
  }

  get(siteId: string, pageId: string): Promise<Page | null> {
    return this.adapter.get(siteId, pageId)
  }

  byUrl(siteId: string, url: string): Promise<Page | null> {
    return this.adapter.byUrl(siteId, url)
  }

  list(siteId: string, options?: ListOptions & { includeTombstones?: boolean }): Promise<ListResult<Page>> {
    const query = this.adapter.listQuery(siteId, options?.includeTombstones === true)
    return queryPage(this.adapter.transport, query, options)
  }

  needingRecrawl(siteId: string, options?: RecrawlQuery): Promise<ListResult<Page>> {
    const queries = this.adapter.recrawlQueries(siteId, cutoffOf(options))
    return queries.length === 1
      ? queryPage(this.adapter.transport, queries[0]!, options)
      : chainedQueryPage(this.adapter.transport, queries, options)
  }

  async count(siteId: string, includeTombstones: boolean): Promise<number> {
    const counts = await this.adapter.readCounts(siteId)
    return (includeTombstones ? counts.total : counts.live) ?? 0
  }

  /** One call of the change feed: one Query of its index (see `page-changes.ts`). */
  changes(siteId: string, options: ListChangesOptions): Promise<ChangesPage> {
    return listChanges(
      this.adapter.transport,
      this.adapter.feed,
      siteId,
      options,
      this.adapter.changeFeedDelaySeconds,
    )
  }

  async saveBulk(pages: Page[]): Promise<number> {
    const writes = pages.map((page, i) => this.prepareWrite(page, undefined, { label: `pages.${i}` }))
    const { saved, deltas, failure } = await bulkSave(writes, (write) => write.send(), isThrottling)
    await this.applyCounts(deltas)
    if (failure) throw failure
    return saved
  }
}

/** The recrawl cutoff: `maxAgeHours` before `now`, or none. */
function cutoffOf(options: { maxAgeHours?: number; now?: Date } | undefined): Date | null {
  if (options?.maxAgeHours === undefined) return null
  if (!Number.isFinite(options.maxAgeHours) || options.maxAgeHours < 0) {
    throw new ValidationError([{ path: 'maxAgeHours', message: 'must be a non-negative number' }])
  }
  if (options.now !== undefined && (!(options.now instanceof Date) || Number.isNaN(options.now.getTime()))) {
    throw new ValidationError([{ path: 'now', message: 'must be a valid Date' }])
  }
  const now = options.now ?? new Date()
  return new Date(now.getTime() - options.maxAgeHours * 3_600_000)
}

/** Pages saved at once by a bulk save. */
const BULK_CONCURRENCY = 16

/**
 * Saves pages concurrently, each with its own atomic revision increment, keeping only the count
 * changes summed per site (never the saved pages: memory stays the input's). Pages throttled past
 * the SDK's retries make one `CapacityError` naming every unsaved pageId; any other error is
 * returned as is. The count changes of the pages that were saved are returned either way, to be
 * applied first.
 */
async function bulkSave<T extends { pageId: string }>(
  pages: T[],
  save: (page: T) => Promise<{ deltas: PageCountDelta[] }>,
  isThrottling: (error: unknown) => boolean,
): Promise<{ saved: number; deltas: PageCountDelta[]; failure?: unknown }> {
  const sums = new Map<string, PageCountDelta>()
  const failed: { pageId: string; reason: unknown }[] = []
  let saved = 0
  await forEachConcurrent(pages, BULK_CONCURRENCY, async (page) => {
    try {
      const { deltas } = await save(page)
      saved++
      for (const delta of deltas) addToSiteSum(sums, delta)
    } catch (reason) {
      failed.push({ pageId: page.pageId, reason })
    }
  })
  const deltas = [...sums.values()]
  if (failed.length === 0) return { saved, deltas }
  const other = failed.find((f) => !isThrottling(f.reason))
  if (other) return { saved, deltas, failure: other.reason }
  const ids = failed.map((f) => f.pageId)
  return {
    saved,
    deltas,
    failure: new CapacityError(
      `${failed.length} of ${pages.length} pages were not saved (throttled); unsaved pageIds: ${ids.join(', ')}`,
      { unprocessed: ids, cause: failed[0]!.reason },
    ),
  }
}
