import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS, SINGLE_TABLE_KEYS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { crawlOrderKey, keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import { expectRevision, type PagesAdapter } from './adapter.js'
import type { ChangeFeedAttributes } from './page-changes.js'
import { Pages } from './page-store.js'
import { earlierTokenNames } from './page-write.js'

/** The change feed on gsi5: pk = site, sk = the change marker. */
const FEED_ATTRIBUTES: ChangeFeedAttributes = {
  firstSeen: 'firstSeen',
  contentHash: 'contentHash',
  currentVersionId: 'currentVersionId',
  isTombstone: 'isTombstone',
  marker: SINGLE_TABLE_KEYS.gsi5.sk,
  partition: { name: SINGLE_TABLE_KEYS.gsi5.pk, value: keyPart },
}

/**
 * Single-table pages: by id (GetItem), by exact URL (gsi2), a site's pages (gsi1), the recrawl
 * queue (sparse gsi3) and counts on a counter item beside the site.
 */
export function singleTablePages(ctx: SingleTableContext): Pages {
  const { page, pageCount } = ctx.entities
  const read = (raw: Record<string, unknown>): Page | undefined => {
    const item = formatItem(page, raw)
    return item === undefined ? undefined : fromStored(PageSchema, item, 'page')
  }
  const adapter: PagesAdapter = {
    transport: ctx.transport,
    writeAttributes: {
      firstSeen: 'firstSeen',
      isTombstone: 'isTombstone',
      revision: 'revision',
      writeToken: 'writeToken',
      earlierTokens: earlierTokenNames('writeToken', ''),
      priorFirstSeen: 'priorFirstSeen',
      priorIsTombstone: 'priorIsTombstone',
      feed: FEED_ATTRIBUTES,
    },
    countWriters: 'countWriters',
    saveParams(saved, expectedRevision) {
      const { revision: _ignored, ...fields } = saved
      const removed = nullFields(fields)
      const update = page
        .update({ pageKey: keyPart(saved.pageId), siteKey: keyPart(saved.siteId) })
        .set({
          ...toStored(fields),
          siteScope: keyPart(saved.siteId),
          urlKey: keyPart(saved.url),
          lifeState: saved.isTombstone ? 'tombstone' : 'live',
          crawlOrder: crawlOrderKey(saved.lastCrawled),
        })
        .add({ revision: 1 })
      if (removed.length > 0) update.remove(removed)
      expectRevision(update, expectedRevision)
      return update.params<UpdateCommandInput>()
    },
    counterParams: (siteId, total, live) =>
      pageCount
        .update({ siteKey: keyPart(siteId) })
        .add({ total, live })
        .params<UpdateCommandInput>(),
    async readCounts(siteId) {
      const { data } = await pageCount.get({ siteKey: keyPart(siteId) }).go(ORIGINAL_ERRORS)
      return data ?? {}
    },
    async get(siteId, pageId) {
      const { data } = await page
        .get({ pageKey: keyPart(pageId), siteKey: keyPart(siteId) })
        .go(ORIGINAL_ERRORS)
      return data ? fromStored(PageSchema, data, 'page') : null
    },
    async byUrl(siteId, url) {
      const { data } = await page.query
        .byUrl({ siteKey: keyPart(siteId), urlKey: keyPart(url) })
        .go({ ...ORIGINAL_ERRORS, limit: 1, pages: 1 })
      return data[0] ? fromStored(PageSchema, data[0], 'page') : null
    },
    listQuery(siteId, includeTombstones) {
      const siteScope = keyPart(siteId)
      const query = includeTombstones
        ? page.query.bySite({ siteScope })
        : page.query.bySite({ siteScope, lifeState: 'live' })
      return { input: query.params(), keyAttributes: KEYS.gsi1, read }
    },
    feed: {
      attributes: FEED_ATTRIBUTES,
      query: (siteId, from, to) => ({
        input: {
          TableName: ctx.table,
          IndexName: 'gsi5',
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': SINGLE_TABLE_KEYS.gsi5.pk, '#sk': SINGLE_TABLE_KEYS.gsi5.sk },
          ExpressionAttributeValues: { ':pk': keyPart(siteId), ':from': from, ':to': to },
        },
        keyAttributes: KEYS.gsi5,
        read,
      }),
    },
    changeFeedDelaySeconds: ctx.config.changeFeedDelaySeconds,
    recrawlQueries(siteId, cutoff) {
      const recrawl = page.query.recrawl({ siteKey: keyPart(siteId) })
      const query = cutoff ? recrawl.lt({ crawlOrder: cutoff.toISOString() }) : recrawl
      return [{ input: query.params(), keyAttributes: KEYS.gsi3, read }]
    },
  }
  return new Pages(adapter)
}
