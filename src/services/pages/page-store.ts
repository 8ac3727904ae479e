import { ValidationError } from '../../errors.js'
import type { Page } from '../../model/schemas.js'
import type { PageStore, RecrawlQuery } from '../layout.js'
import type { BulkSource } from '../plumbing/bulk-source.js'
import { probePartiql } from '../plumbing/lifecycle.js'
import { chainedQueryPage, type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import type { PagesAdapter } from './adapter.js'

import { saveBulkPages } from './bulk-save.js'
import { type ChangesPage, type ListChangesOptions, listChanges } from './page-changes.js'
import { type PageCountDelta, PageCounter } from './page-counter.js'

import {
  checkedPageWrite,
  mayPassItemLimit,
  type PageWriteOptions,
  type PreparedSave,
  UncertainSaves,
} from './page-write.js'

/**
 * Pages of either layout: by id, by exact URL, a site's pages, the recrawl queue and O(1) counts
 * on a counter item. Saves and counter updates are replay-safe (`preparePageWrite`, `PageCounter`).
 */
export class Pages implements PageStore {
  /** Counter updates: one writer per backend instance, replay-safe (see `PageCounter`). */
  private readonly counter: PageCounter
  /** This instance's page saves whose answer was lost (see `UncertainSaves`). */
  private readonly uncertain = new UncertainSaves()
  /** Whether the engine runs PartiQL batches, asked on the first bulk save. */
  private partiql: Promise<boolean> | undefined

  constructor(private readonly adapter: PagesAdapter) {
    this.counter = new PageCounter(
      adapter.transport,
      adapter.countWriters,
      adapter.counterShards,
      (...args) => adapter.counterParams(...args),
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

  /**
   * See `saveBulkPages`. A sync iterable (a parsed array) has every page's write built and checked
   * (item size) before any is written; an async one as it is read.
   */
  async saveBulk(pages: BulkSource<Page>): Promise<number> {
    const label = (index: number) => ({ label: `pages.${index}` })
    if (!(Symbol.asyncIterator in pages)) {
      let index = 0
      for (const page of pages) {
        if (mayPassItemLimit(page)) this.prepareWrite(page, undefined, label(index))
        index++
      }
    }
    return saveBulkPages(pages, {
      transport: this.adapter.transport,
      prepare: (page, index) => this.prepareWrite(page, undefined, label(index)),
      applyCounts: (deltas) => this.applyCounts(deltas),
      partiql: (table) => {
        this.partiql ??= probePartiql(this.adapter.transport, table).catch(() => {
          this.partiql = undefined // asked again next time: a throttled probe says nothing
          return false
        })
        return this.partiql
      },
    })
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
