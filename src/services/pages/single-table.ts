import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { crawlOrderKey, keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import { nullFields, toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import { expectRevision, type PagesAdapter } from './adapter.js'
import { Pages } from './page-store.js'
import { earlierTokenNames } from './page-write.js'

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
    recrawlQueries(siteId, cutoff) {
      const recrawl = page.query.recrawl({ siteKey: keyPart(siteId) })
      const query = cutoff ? recrawl.lt({ crawlOrder: cutoff.toISOString() }) : recrawl
      return [{ input: query.params(), keyAttributes: KEYS.gsi3, read }]
    },
  }
  return new Pages(adapter)
}
