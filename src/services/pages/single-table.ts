import { GetCommand, QueryCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { SINGLE_TABLE_KEYS } from '../../entities/common.js'
import { entityIndexQuery, entityKey, entityUpdate } from '../../entities/entity-requests.js'
import { PAGE_COUNTER_SHARDS, type PageEntity } from '../../entities/page.js'
import { CapacityError } from '../../errors.js'
import { crawlOrderKey, keyPart } from '../../keys/key-part.js'
import { type Page, PageSchema } from '../../model/schemas.js'
import { batchGet } from '../plumbing/batch.js'
import { nullFields, readModel, toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import { type PagesAdapter, revisionCondition } from './adapter.js'
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

/** The UpdateItem that adds to one of a site's counter items (shard 0: the item of 0.1). */
function counterAdd(
  ctx: SingleTableContext,
  siteId: string,
  shard: number,
  add: { total: number; live: number },
): UpdateCommandInput {
  const siteKey = keyPart(siteId)
  return shard === 0
    ? entityUpdate(ctx.entities.pageCount, { set: { siteKey }, add })
    : entityUpdate(ctx.entities.pageCountShard, {
        set: { siteKey, counterShard: counterShardName(shard) },
        add,
      })
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
 * The UpdateItem that replaces a page and adds 1 to `revision`: ElectroDB's keys (and gsi3's only
 * while the page is live), conditional on `expectedRevision` (see `entityUpdate`).
 */
export function pageSaveParams(
  page: PageEntity,
  saved: Page,
  expectedRevision: number | undefined,
): UpdateCommandInput {
  const { revision: _ignored, ...fields } = saved
  return entityUpdate(page, {
    set: {
      ...toStored(fields),
      siteScope: keyPart(saved.siteId),
      urlKey: keyPart(saved.url),
      lifeState: saved.isTombstone ? 'tombstone' : 'live',
      crawlOrder: crawlOrderKey(saved.lastCrawled),
      pageKey: keyPart(saved.pageId),
      siteKey: keyPart(saved.siteId),
    },
    remove: nullFields(fields),
    add: { revision: 1 },
    ...revisionCondition(expectedRevision),
  })
}

/**
 * Single-table pages: by id (GetItem), by exact URL (gsi2), a site's pages (gsi1), the recrawl
 * queue (sparse gsi3) and counts summed over the site's counter items (see `pageCountEntity`).
 */
export function singleTablePages(ctx: SingleTableContext): Pages {
  const { page } = ctx.entities
  const read = (raw: Record<string, unknown>): Page | undefined => readModel(page, PageSchema, raw, 'page')
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
    saveParams: (saved, expectedRevision) => pageSaveParams(page, saved, expectedRevision),
    counterShards: PAGE_COUNTER_SHARDS,
    counterParams: (siteId, shard, total, live) => counterAdd(ctx, siteId, shard, { total, live }),
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
      const key = entityKey(page, { pageKey: keyPart(pageId), siteKey: keyPart(siteId) })
      const { Item } = (await ctx.transport.send(new GetCommand({ TableName: ctx.table, Key: key }))) as {
        Item?: Record<string, unknown>
      }
      return (Item && read(Item)) ?? null
    },
    async byUrl(siteId, url) {
      const input = entityIndexQuery(page, 'byUrl', { siteKey: keyPart(siteId), urlKey: keyPart(url) })
      const { Items } = (await ctx.transport.send(new QueryCommand({ ...input, Limit: 1 }))) as {
        Items?: Record<string, unknown>[]
      }
      return (Items?.[0] && read(Items[0])) ?? null
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
