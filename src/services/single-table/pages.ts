import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { crawlOrderKey, keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import { isThrottling } from '../plumbing/aws-errors.js'
import { type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import { bulkSave, cutoffOf, type PageCountDelta } from '../shared/pages.js'
import {
  checkedPageWrite,
  earlierTokenNames,
  PageCounter,
  type PageWriteAttributes,
  type PageWriteOptions,
  type PreparedSave,
  UncertainSaves,
} from '../shared/replay-safe.js'
import { KEYS, type SingleTableContext } from './context.js'
import { readOwned } from './sites.js'

const _UrlSchema = z.string().min(1, { error: 'must not be empty' })

/** Bookkeeping attributes of replay-safe saves, on the page item (never returned). */
const PAGE_WRITE_ATTRIBUTES: PageWriteAttributes = {
  firstSeen: 'firstSeen',
  isTombstone: 'isTombstone',
  revision: 'revision',
  writeToken: 'writeToken',
  earlierTokens: earlierTokenNames('writeToken', ''),
  priorFirstSeen: 'priorFirstSeen',
  priorIsTombstone: 'priorIsTombstone',
}
/** Writer id → token of its last counter update, on the counter item. */
const COUNT_WRITERS = 'countWriters'

/**
 * Pages: by id (GetItem), by exact URL (gsi2), a site's pages (gsi1), the recrawl queue (sparse
 * gsi3) and O(1) counts (a counter item beside the site).
 */
export class SingleTablePages {
  /** Counter updates: one writer per backend instance, replay-safe (see `PageCounter`). */
  private readonly counter: PageCounter
  /** This instance's page saves whose answer was lost (see `UncertainSaves`). */
  private readonly uncertain = new UncertainSaves()

  constructor(private readonly ctx: SingleTableContext) {
    this.counter = new PageCounter(ctx.transport, COUNT_WRITERS, (siteId, total, live) =>
      ctx.entities.pageCount
        .update({ siteKey: keyPart(siteId) })
        .add({ total, live })
        .params<UpdateCommandInput>(),
    )
  }

  /**
   * One UpdateItem that replaces the page and adds 1 to `revision`, conditional on
   * `expectedRevision`; its UPDATED_OLD values tell whether the page is new or changed liveness,
   * and only then is the counter item touched. Both are replay-safe (`preparePageWrite`, `PageCounter`).
   */
  async save(page: Page, expectedRevision: number | undefined): Promise<Page> {
    const { page: saved, deltas } = await this.prepareWrite(page, expectedRevision).send()
    await this.applyCounts(deltas)
    return saved
  }

  prepareWrite(page: Page, expectedRevision?: number, options?: PageWriteOptions): PreparedSave {
    const { revision: _ignored, ...fields } = page
    const stored = toStored(fields)
    const removed = nullFields(fields)
    const update = this.ctx.entities.page
      .update({ pageKey: keyPart(page.pageId), siteKey: keyPart(page.siteId) })
      .set({
        ...stored,
        siteScope: keyPart(page.siteId),
        urlKey: keyPart(page.url),
        lifeState: page.isTombstone ? 'tombstone' : 'live',
        crawlOrder: crawlOrderKey(page.lastCrawled),
      })
      .add({ revision: 1 })
    if (removed.length > 0) update.remove(removed)
    if (expectedRevision !== undefined) {
      update.where((attr, op) =>
        expectedRevision === 0 ? op.notExists(attr.revision) : op.eq(attr.revision, expectedRevision),
      )
    }
    // ElectroDB builds the request (keys, gsi1–gsi3 keys, the sparse index's removal); the
    // replay-safe write adds the write tokens and the pre-image.
    return checkedPageWrite(
      this.ctx.transport,
      update.params<UpdateCommandInput>(),
      PAGE_WRITE_ATTRIBUTES,
      { page, expectedRevision, uncertain: this.uncertain },
      options,
    )
  }

  /** Adds the deltas to each site's counter item: one UpdateItem per site that changed. */
  applyCounts(deltas: PageCountDelta[]): Promise<void> {
    return this.counter.apply(deltas)
  }

  async get(site: string, id: string): Promise<Page | null> {
    const { data } = await this.ctx.entities.page
      .get({ pageKey: keyPart(id), siteKey: keyPart(site) })
      .go(ORIGINAL_ERRORS)
    return data ? fromStored(PageSchema, data, 'page') : null
  }

  async byUrl(site: string, exactUrl: string): Promise<Page | null> {
    const { data } = await this.ctx.entities.page.query
      .byUrl({ siteKey: keyPart(site), urlKey: keyPart(exactUrl) })
      .go({ ...ORIGINAL_ERRORS, limit: 1, pages: 1 })
    const [page] = data
    return page ? fromStored(PageSchema, page, 'page') : null
  }

  list(siteId: string, options?: ListOptions & { includeTombstones?: boolean }): Promise<ListResult<Page>> {
    const siteScope = keyPart(siteId)
    const page = this.ctx.entities.page
    const query = options?.includeTombstones
      ? page.query.bySite({ siteScope })
      : page.query.bySite({ siteScope, lifeState: 'live' })
    return queryPage(
      this.ctx.transport,
      { input: query.params(), keyAttributes: KEYS.gsi1, read: (raw) => this.read(raw) },
      options,
    )
  }

  needingRecrawl(
    siteId: string,
    options?: ListOptions & { maxAgeHours?: number; now?: Date },
  ): Promise<ListResult<Page>> {
    const siteKey = keyPart(siteId)
    const cutoff = cutoffOf(options)
    const recrawl = this.ctx.entities.page.query.recrawl({ siteKey })
    const query = cutoff ? recrawl.lt({ crawlOrder: cutoff.toISOString() }) : recrawl
    return queryPage(
      this.ctx.transport,
      { input: query.params(), keyAttributes: KEYS.gsi3, read: (raw) => this.read(raw) },
      options,
    )
  }

  async count(siteId: string, includeTombstones: boolean): Promise<number> {
    const siteKey = keyPart(siteId)
    const { data } = await this.ctx.entities.pageCount.get({ siteKey }).go(ORIGINAL_ERRORS)
    return (includeTombstones ? data?.total : data?.live) ?? 0
  }

  async saveBulk(pages: Page[]): Promise<number> {
    const writes = pages.map((page, i) => this.prepareWrite(page, undefined, { label: `pages.${i}` }))
    const { saved, deltas, failure } = await bulkSave(writes, (write) => write.send(), isThrottling)
    await this.applyCounts(deltas)
    if (failure) throw failure
    return saved
  }

  private read(raw: Record<string, unknown>): Page | undefined {
    return readOwned(this.ctx.entities.page, raw, (item) => fromStored(PageSchema, item, 'page'))
  }
}
