import { createHash } from 'node:crypto'
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { CHANGE_MARKER, PAGES_INDEXES } from '../../entities/page.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import { queryAll } from '../plumbing/listing.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import { expectRevision, type PagesAdapter } from './adapter.js'
import type { ChangeFeedAttributes } from './page-changes.js'
import { Pages } from './page-store.js'
import { earlierTokenNames } from './page-write.js'

/** DynamoDB's limit on an index partition-key value. */
const MAX_INDEX_KEY_BYTES = 2048
const TABLE_KEYS = ['site_id', 'page_id'] as const
const RECRAWL_KEYS = ['site_id', 'page_id', 'last_crawled'] as const
const LIVE = '(attribute_not_exists(#tomb) OR #tomb = :false)'

/** The change feed on the added `site_id-change_marker-index` (HASH site_id, RANGE change_marker). */
const FEED_ATTRIBUTES: ChangeFeedAttributes = {
  firstSeen: 'first_seen',
  contentHash: 'content_hash',
  currentVersionId: 'current_version_id',
  isTombstone: 'is_tombstone',
  marker: CHANGE_MARKER,
}

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

function toPage(item: Record<string, unknown>): Page {
  const { fullUrl, ...fields } = item
  return fromStored(PageSchema, { ...fields, url: fullUrl ?? fields.url }, 'page')
}

/**
 * Pages in `{prefix}pages`: by id (GetItem), by URL (documented `url-index`, filtered to the site),
 * a site's pages (the site's partition), the recrawl queue (never-crawled pages from the table,
 * then the added `site_id-last_crawled-index`), counts on the site item.
 */
export function multiTablePages(ctx: MultiTableContext): Pages {
  const { page, site } = ctx.entities
  const TableName = ctx.names.pages
  const read = (raw: Record<string, unknown>): Page | undefined => {
    const item = formatItem(page, raw)
    return item && toPage(item)
  }
  const adapter: PagesAdapter = {
    transport: ctx.transport,
    writeAttributes: {
      firstSeen: 'first_seen',
      isTombstone: 'is_tombstone',
      revision: 'revision',
      writeToken: 'write_token',
      earlierTokens: earlierTokenNames('write_token', '_'),
      priorFirstSeen: 'prior_first_seen',
      priorIsTombstone: 'prior_is_tombstone',
      feed: FEED_ATTRIBUTES,
    },
    countWriters: 'page_count_writers',
    saveParams(saved, expectedRevision) {
      const { revision: _ignored, siteId, pageId, ...fields } = saved
      const indexUrl = urlIndexValue(saved.url)
      const removed: string[] = nullFields(fields)
      if (indexUrl === saved.url) removed.push('fullUrl')
      const update = page
        .update({ siteId, pageId })
        .set({
          ...toStored(fields),
          url: indexUrl,
          ...(indexUrl === saved.url ? {} : { fullUrl: saved.url }),
        })
        .add({ revision: 1 })
      if (removed.length > 0) update.remove(removed as never[])
      expectRevision(update, expectedRevision)
      return update.params<UpdateCommandInput>()
    },
    // The documented pages table's partition key is the site: a site's page writes share one
    // partition whatever its counters, so they stay on the site item.
    counterShards: 1,
    counterParams: (siteId, _shard, total, live) =>
      site.update({ siteId }).add({ pageCount: total, livePageCount: live }).params<UpdateCommandInput>(),
    async readCounts(siteId) {
      const { data } = await site
        .get({ siteId })
        .go({ ...ORIGINAL_ERRORS, attributes: ['pageCount', 'livePageCount'], ignoreOwnership: true })
      return { total: data?.pageCount, live: data?.livePageCount }
    },
    async get(siteId, pageId) {
      const { data } = await page.get({ siteId, pageId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true })
      return data ? toPage(data) : null
    },
    /**
     * `url-index` holds every site's pages of the URL, so the Query follows `LastEvaluatedKey`
     * until it meets this site's page: pages of other sites with the same URL may fill the first
     * 1 MB (one request when they do not).
     */
    async byUrl(siteId, url) {
      for await (const items of queryAll(ctx.transport, {
        TableName,
        IndexName: PAGES_INDEXES.byUrl,
        KeyConditionExpression: '#url = :url',
        FilterExpression: '#site = :site',
        ExpressionAttributeNames: { '#url': 'url', '#site': 'site_id' },
        ExpressionAttributeValues: { ':url': urlIndexValue(url), ':site': siteId },
      })) {
        for (const raw of items) {
          const found = read(raw)
          if (found?.url === url) return found
        }
      }
      return null
    },
    listQuery(siteId, includeTombstones) {
      const live = !includeTombstones
      return {
        input: {
          TableName,
          KeyConditionExpression: '#site = :site',
          ...(live ? { FilterExpression: LIVE } : {}),
          ExpressionAttributeNames: { '#site': 'site_id', ...(live ? { '#tomb': 'is_tombstone' } : {}) },
          ExpressionAttributeValues: { ':site': siteId, ...(live ? { ':false': false } : {}) },
        },
        keyAttributes: TABLE_KEYS,
        read,
      }
    },
    feed: {
      attributes: FEED_ATTRIBUTES,
      query: (siteId, from, to) => ({
        input: {
          TableName,
          IndexName: PAGES_INDEXES.changes,
          KeyConditionExpression: '#site = :site AND #marker BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#site': 'site_id', '#marker': CHANGE_MARKER },
          ExpressionAttributeValues: { ':site': siteId, ':from': from, ':to': to },
        },
        keyAttributes: [...TABLE_KEYS, CHANGE_MARKER],
        read,
      }),
    },
    changeFeedDelaySeconds: ctx.config.changeFeedDelaySeconds,
    recrawlQueries(siteId, cutoff) {
      const neverCrawled = {
        input: {
          TableName,
          KeyConditionExpression: '#site = :site',
          FilterExpression: `attribute_not_exists(#crawled) AND ${LIVE}`,
          ExpressionAttributeNames: {
            '#site': 'site_id',
            '#crawled': 'last_crawled',
            '#tomb': 'is_tombstone',
          },
          ExpressionAttributeValues: { ':site': siteId, ':false': false },
        },
        keyAttributes: TABLE_KEYS,
        read,
      }
      const oldestFirst = {
        input: {
          TableName,
          IndexName: PAGES_INDEXES.recrawl,
          KeyConditionExpression: cutoff ? '#site = :site AND #crawled < :cutoff' : '#site = :site',
          FilterExpression: LIVE,
          ExpressionAttributeNames: {
            '#site': 'site_id',
            '#tomb': 'is_tombstone',
            ...(cutoff ? { '#crawled': 'last_crawled' } : {}),
          },
          ExpressionAttributeValues: {
            ':site': siteId,
            ':false': false,
            ...(cutoff ? { ':cutoff': cutoff.toISOString() } : {}),
          },
        },
        keyAttributes: RECRAWL_KEYS,
        read,
      }
      return [neverCrawled, oldestFirst]
    },
  }
  return new Pages(adapter)
}
