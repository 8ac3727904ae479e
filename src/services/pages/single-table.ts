import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS, SINGLE_TABLE_KEYS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { PAGE_COUNTER_SHARDS } from '../../entities/page.js'
import { CapacityError } from '../../errors.js'
import { crawlOrderKey, keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import { batchGet } from '../plumbing/batch.js'
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

/** A counter shard's key part: two digits, so the shards sort in order. */
const counterShardName = (shard: number) => String(shard).padStart(2, '0')

/** The primary keys of a site's counter items, shard 0 (the item of 0.1) first. */
export function counterKeys(
  ctx: SingleTableContext,
  siteId: string,
): { shard: number; key: Record<string, unknown> }[] {
  const { pageCount, pageCountShard } = ctx.entities
  const siteKey = keyPart(siteId)
  return Array.from({ length: PAGE_COUNTER_SHARDS }, (_, shard) => ({
    shard,
    key: (shard === 0
      ? pageCount.get({ siteKey })
      : pageCountShard.get({ siteKey, counterShard: counterShardName(shard) })
    ).params().Key as Record<string, unknown>,
  }))
}

/** The sum of counter items' `total` and `live` (absent when no item holds one). */
export function sumCounts(items: Record<string, unknown>[]): { total?: number; live?: number } {
  const sum = (name: string) =>
    items.some((item) => typeof item[name] === 'number')
      ? items.reduce((n, item) => n + (typeof item[name] === 'number' ? (item[name] as number) : 0), 0)
      : undefined
  const total = sum('total')
  const live = sum('live')
  return { ...(total === undefined ? {} : { total }), ...(live === undefined ? {} : { live }) }
}

/**
 * Single-table pages: by id (GetItem), by exact URL (gsi2), a site's pages (gsi1), the recrawl
 * queue (sparse gsi3) and counts summed over the site's counter items (see `pageCountEntity`).
 */
export function singleTablePages(ctx: SingleTableContext): Pages {
  const { page, pageCount, pageCountShard } = ctx.entities
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
    counterShards: PAGE_COUNTER_SHARDS,
    counterParams: (siteId, shard, total, live) => {
      const siteKey = keyPart(siteId)
      const update =
        shard === 0
          ? pageCount.update({ siteKey })
          : pageCountShard.update({ siteKey, counterShard: counterShardName(shard) })
      return update.add({ total, live }).params<UpdateCommandInput>()
    },
    async readCounts(siteId) {
      const keys = counterKeys(ctx, siteId).map(({ key }) => key)
      const { items, unread, lastError } = await batchGet(ctx.transport, ctx.table, keys, {
        projection: ['total', 'live'],
      })
      if (unread.length > 0) {
        throw new CapacityError(`The page counts of site ${JSON.stringify(siteId)} could not be read`, {
          cause: lastError,
        })
      }
      return sumCounts(items)
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
