import { createHash } from 'node:crypto'
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { PAGES_INDEXES } from '../../entities/page.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import type { PageStore } from '../layout.js'
import { isThrottling } from '../plumbing/aws-errors.js'
import {
  chainedQueryPage,
  type ListOptions,
  type ListResult,
  type PagedQuery,
  queryAll,
  queryPage,
} from '../plumbing/listing.js'
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
import type { MultiTableContext } from './context.js'

const _UrlSchema = z.string().min(1, { error: 'must not be empty' })
/** DynamoDB's limit on an index partition-key value. */
const MAX_INDEX_KEY_BYTES = 2048
const TABLE_KEYS = ['site_id', 'page_id'] as const
const RECRAWL_KEYS = ['site_id', 'page_id', 'last_crawled'] as const
const LIVE = '(attribute_not_exists(#tomb) OR #tomb = :false)'

/** Added attributes of replay-safe saves, on the page item (never returned). */
const PAGE_WRITE_ATTRIBUTES: PageWriteAttributes = {
  firstSeen: 'first_seen',
  isTombstone: 'is_tombstone',
  revision: 'revision',
  writeToken: 'write_token',
  earlierTokens: earlierTokenNames('write_token', '_'),
  priorFirstSeen: 'prior_first_seen',
  priorIsTombstone: 'prior_is_tombstone',
}
/** Added attribute of the site item: writer id → token of its last counter update. */
const COUNT_WRITERS = 'page_count_writers'

/**
 * What the documented `url` attribute (the `url-index` key) holds: the URL itself when it fits the
 * 2,048-byte index-key limit; for a longer URL, its first 1,900 bytes, `#sha256=` and the SHA-256
 * of the whole URL (the whole URL is then kept in `full_url`).
 */
export function urlIndexValue(url: string): string {
  if (Buffer.byteLength(url, 'utf8') <= MAX_INDEX_KEY_BYTES) return url
  let head = Buffer.from(url, 'utf8').subarray(0, 1900).toString('utf8')
  if (head.endsWith('\uFFFD')) head = head.slice(0, -1)
  return `${head}#sha256=${createHash('sha256').update(url, 'utf8').digest('hex')}`
}

/**
 * Pages in `{prefix}pages`: by id (GetItem), by URL (documented `url-index`, filtered to the site),
 * a site's pages (the site's partition), the recrawl queue (never-crawled pages from the table,
 * then the added `site_id-last_crawled-index`), counts on the site item.
 */
export class MultiTablePages implements PageStore {
  /** Counter updates: one writer per backend instance, replay-safe (see `PageCounter`). */
  private readonly counter: PageCounter
  /** This instance's page saves whose answer was lost (see `UncertainSaves`). */
  private readonly uncertain = new UncertainSaves()

  constructor(private readonly ctx: MultiTableContext) {
    this.counter = new PageCounter(ctx.transport, COUNT_WRITERS, (siteId, total, live) =>
      ctx.entities.site
        .update({ siteId })
        .add({ pageCount: total, livePageCount: live })
        .params<UpdateCommandInput>(),
    )
  }

  async save(page: Page, expectedRevision: number | undefined): Promise<Page> {
    const { page: saved, deltas } = await this.prepareWrite(page, expectedRevision).send()
    await this.applyCounts(deltas)
    return saved
  }

  prepareWrite(page: Page, expectedRevision?: number, options?: PageWriteOptions): PreparedSave {
    const { revision: _ignored, siteId, pageId, ...fields } = page
    const indexUrl = urlIndexValue(page.url)
    const removed: string[] = nullFields(fields)
    if (indexUrl === page.url) removed.push('fullUrl')
    const update = this.ctx.entities.page
      .update({ siteId, pageId })
      .set({ ...toStored(fields), url: indexUrl, ...(indexUrl === page.url ? {} : { fullUrl: page.url }) })
      .add({ revision: 1 })
    if (removed.length > 0) update.remove(removed as never[])
    if (expectedRevision !== undefined) {
      update.where((attr, op) =>
        expectedRevision === 0 ? op.notExists(attr.revision) : op.eq(attr.revision, expectedRevision),
      )
    }
    return checkedPageWrite(
      this.ctx.transport,
      update.params<UpdateCommandInput>(),
      PAGE_WRITE_ATTRIBUTES,
      { page, expectedRevision, uncertain: this.uncertain },
      options,
    )
  }

  /** Adds the deltas to each site item's counters: one UpdateItem per site that changed. */
  applyCounts(deltas: PageCountDelta[]): Promise<void> {
    return this.counter.apply(deltas)
  }

  async get(siteId: string, pageId: string): Promise<Page | null> {
    const site = siteId
    const id = pageId
    const { data } = await this.ctx.entities.page
      .get({ siteId: site, pageId: id })
      .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
    return data ? this.toPage(data) : null
  }

  /**
   * The site's page of this URL. `url-index` holds every site's pages of the URL, so the Query
   * follows `LastEvaluatedKey` until it meets this site's page: pages of other sites with the same
   * URL may fill the first 1 MB (one request when they do not).
   */
  async byUrl(site: string, url: string): Promise<Page | null> {
    const exactUrl = url
    for await (const items of queryAll(this.ctx.transport, {
      TableName: this.ctx.names.pages,
      IndexName: PAGES_INDEXES.byUrl,
      KeyConditionExpression: '#url = :url',
      FilterExpression: '#site = :site',
      ExpressionAttributeNames: { '#url': 'url', '#site': 'site_id' },
      ExpressionAttributeValues: { ':url': urlIndexValue(exactUrl), ':site': site },
    })) {
      for (const raw of items) {
        const page = this.read(raw)
        if (page?.url === exactUrl) return page
      }
    }
    return null
  }

  list(site: string, options?: ListOptions & { includeTombstones?: boolean }): Promise<ListResult<Page>> {
    const live = !options?.includeTombstones
    return queryPage(
      this.ctx.transport,
      {
        input: {
          TableName: this.ctx.names.pages,
          KeyConditionExpression: '#site = :site',
          ...(live ? { FilterExpression: LIVE } : {}),
          ExpressionAttributeNames: { '#site': 'site_id', ...(live ? { '#tomb': 'is_tombstone' } : {}) },
          ExpressionAttributeValues: { ':site': site, ...(live ? { ':false': false } : {}) },
        },
        keyAttributes: TABLE_KEYS,
        read: (raw) => this.read(raw),
      },
      options,
    )
  }

  needingRecrawl(
    site: string,
    options?: ListOptions & { maxAgeHours?: number; now?: Date },
  ): Promise<ListResult<Page>> {
    const cutoff = cutoffOf(options)
    const neverCrawled: PagedQuery<Page> = {
      input: {
        TableName: this.ctx.names.pages,
        KeyConditionExpression: '#site = :site',
        FilterExpression: `attribute_not_exists(#crawled) AND ${LIVE}`,
        ExpressionAttributeNames: { '#site': 'site_id', '#crawled': 'last_crawled', '#tomb': 'is_tombstone' },
        ExpressionAttributeValues: { ':site': site, ':false': false },
      },
      keyAttributes: TABLE_KEYS,
      read: (raw) => this.read(raw),
    }
    const oldestFirst: PagedQuery<Page> = {
      input: {
        TableName: this.ctx.names.pages,
        IndexName: PAGES_INDEXES.recrawl,
        KeyConditionExpression: cutoff ? '#site = :site AND #crawled < :cutoff' : '#site = :site',
        FilterExpression: LIVE,
        ExpressionAttributeNames: {
          '#site': 'site_id',
          '#tomb': 'is_tombstone',
          ...(cutoff ? { '#crawled': 'last_crawled' } : {}),
        },
        ExpressionAttributeValues: {
          ':site': site,
          ':false': false,
          ...(cutoff ? { ':cutoff': cutoff.toISOString() } : {}),
        },
      },
      keyAttributes: RECRAWL_KEYS,
      read: (raw) => this.read(raw),
    }
    return chainedQueryPage(this.ctx.transport, [neverCrawled, oldestFirst], options)
  }

  async count(siteId: string, includeTombstones: boolean): Promise<number> {
    const site = siteId
    const { data } = await this.ctx.entities.site
      .get({ siteId: site })
      .go({ ...ORIGINAL_ERRORS, attributes: ['pageCount', 'livePageCount'], ignoreOwnership: true })
    return (includeTombstones ? data?.pageCount : data?.livePageCount) ?? 0
  }

  async saveBulk(pages: Page[]): Promise<number> {
    const writes = pages.map((page, i) => this.prepareWrite(page, undefined, { label: `pages.${i}` }))
    const { saved, deltas, failure } = await bulkSave(writes, (write) => write.send(), isThrottling)
    await this.applyCounts(deltas)
    if (failure) throw failure
    return saved
  }

  private read(raw: Record<string, unknown>): Page | undefined {
    const item = formatItem(this.ctx.entities.page, raw)
    return item && this.toPage(item)
  }

  private toPage(item: Record<string, unknown>): Page {
    const { fullUrl, ...fields } = item
    return fromStored(PageSchema, { ...fields, url: fullUrl ?? fields.url }, 'page')
  }
}
