import { randomBytes } from 'node:crypto'
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { PAGE_COUNTER_SHARDS } from '../../src/entities/page.js'
import type { Page, PageVersion } from '../../src/index.js'
import { keyPart } from '../../src/keys/key-part.js'
import { claimStart, timedKey } from '../../src/services/frontier/queue-key.js'
import { earlierTokenNames, newWriteToken } from '../../src/services/pages/page-write.js'
import { inLanes } from '../support/concurrency.js'
import type { RawClient } from '../support/raw-client.js'
import {
  frontierKey,
  frontierQueueQuery,
  livePagesQuery,
  pageAttributes,
  pageByUrlKey,
  pageCountAttributes,
  pageCountKey,
  pageKey,
  takenAttributes,
  versionItem,
} from './single-table-keys.js'

type Item = Record<string, unknown>

/** How a page write changes its site's counts (what the library's counter item holds). */
interface CountDelta {
  total: number
  live: number
}

/** The page's token slots, newest first: `writeToken`, then the earlier saves' (the library's names). */
const TOKEN_SLOTS = ['writeToken', ...earlierTokenNames('writeToken', '')]
const SAVE_NAMES: Record<string, string> = {
  ...Object.fromEntries(TOKEN_SLOTS.map((name, i) => [`#t${i}`, name])),
  '#revision': 'revision',
  '#priorSeen': 'priorFirstSeen',
  '#priorTomb': 'priorIsTombstone',
  '#seen': 'firstSeen',
  '#tomb': 'isTombstone',
}
/** A save's token into the first slot, each earlier token one slot down, and the pre-image. */
const SAVE_BOOKKEEPING = [
  '#t0 = :token',
  ...TOKEN_SLOTS.slice(1).map((_, i) => `#t${i + 1} = if_not_exists(#t${i}, :none)`),
  '#priorSeen = if_not_exists(#seen, :null)',
  '#priorTomb = if_not_exists(#tomb, :false)',
].join(', ')
/** Not applied yet: no slot holds the save's token. */
const SAVE_CONDITION = `NOT (${TOKEN_SLOTS.map((_, i) => `#t${i} = :token`).join(' OR ')})`

/** The change feed's names: the marker (gsi5's keys) and the state a save compares. */
const FEED_NAMES: Record<string, string> = {
  '#marker': 'gsi5sk',
  '#part': 'gsi5pk',
  '#hash': 'contentHash',
  '#version': 'currentVersionId',
}

/** The stored item already is the page's state and carries a marker (the library's "no change"). */
function sameState(page: Page): { condition: string; values: Item } {
  const values: Item = {}
  const equal = (name: string, value: string | null | undefined) => {
    if (value === null || value === undefined) return `attribute_not_exists(#${name})`
    values[`:${name}`] = value
    return `#${name} = :${name}`
  }
  const tomb = page.isTombstone ? '#tomb = :true' : '(attribute_not_exists(#tomb) OR #tomb = :false)'
  if (page.isTombstone) values[':true'] = true
  const condition = [
    'attribute_exists(#seen)',
    'attribute_exists(#marker)',
    equal('hash', page.contentHash),
    equal('version', page.currentVersionId),
    tomb,
  ].join(' AND ')
  return { condition, values }
}

const withoutState = (names: Record<string, string>) => {
  const { '#hash': _h, '#version': _v, ...rest } = names
  return rest
}
const withoutMarkerPart = (names: Record<string, string>) => {
  const { '#part': _p, ...rest } = names
  return rest
}

/** Concurrency of the library's savePagesBulk, used for the raw bulk save too. */
export const BULK_LANES = 16

/**
 * The library's logical operations done by hand with lib-dynamodb on the same table and key
 * design, without ElectroDB or validation: the raw side of the overhead comparison.
 */
export class RawSingleTable {
  constructor(
    private readonly raw: RawClient,
    private readonly table: string,
  ) {}

  /** Random per instance: this writer's key in the counter items' writers map. */
  private readonly writer = randomBytes(8).toString('hex')
  /** The counter item this writer updates, as the library picks it: its id hashed over the shards. */
  private readonly counterShard = Number.parseInt(this.writer.slice(0, 8), 16) % PAGE_COUNTER_SHARDS

  /**
   * Replaces a page with one UpdateItem that adds 1 to `revision`, replay-safe as the library's
   * save is: it stores a fresh token (10 characters and the page's liveness after the save, `l` /
   * `t`), shifts the tokens of the saves before it down the `RECENT_SAVES - 1` earlier slots ('-'
   * in a slot that never held one), stores the pre-image the counts need (`if_not_exists` reads
   * the item as it was), and is conditional on no slot holding its token. Returns the count
   * change. (The library's recovery when that condition fails — a replay — is not mirrored: the
   * bench never replays.)
   */
  async writePage(page: Page): Promise<CountDelta> {
    const { set, removed } = pageAttributes(page)
    const names: Record<string, string> = { ...SAVE_NAMES, ...FEED_NAMES }
    const values: Item = {
      ':one': 1,
      ':token': `${newWriteToken()}${page.isTombstone ? 't' : 'l'}`,
      ':none': '-',
      ':null': null,
      ':false': false,
    }
    const assignments = [SAVE_BOOKKEEPING]
    for (const [name, value] of Object.entries(set)) {
      const i = assignments.length
      names[`#s${i}`] = name
      values[`:s${i}`] = value
      assignments.push(`#s${i} = :s${i}`)
    }
    const removals = removed.map((name, i) => {
      names[`#r${i}`] = name
      return `#r${i}`
    })
    const same = sameState(page)
    const update = (marker: boolean) =>
      `SET ${[...assignments, ...(marker ? ['#marker = :marker', '#part = :part'] : [])].join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''} ADD #revision :one`
    // The library's change-feed forms, in its order: "changed" (only if the state differs) first for
    // a page not read back (revision 0), else "unchanged" first; then the other (see page-changes.ts).
    const changed = (onlyIfDifferent: boolean) => ({
      UpdateExpression: update(true),
      ConditionExpression: onlyIfDifferent ? `NOT (${same.condition}) AND ${SAVE_CONDITION}` : SAVE_CONDITION,
      values: {
        ...values,
        ...(onlyIfDifferent ? same.values : {}),
        ':marker': `${new Date().toISOString()}#${page.pageId}`,
        ':part': keyPart(page.siteId),
      },
      names: onlyIfDifferent ? names : withoutState(names),
    })
    const unchanged = {
      UpdateExpression: update(false),
      ConditionExpression: `${same.condition} AND ${SAVE_CONDITION}`,
      values: { ...values, ...same.values },
      names: withoutMarkerPart(names),
    }
    const attempts =
      page.revision === 0 ? [changed(true), unchanged, changed(false)] : [unchanged, changed(false)]
    let output: { Attributes?: Item } | undefined
    for (const [i, attempt] of attempts.entries()) {
      try {
        output = await this.raw.send<{ Attributes?: Item }>(
          new UpdateCommand({
            TableName: this.table,
            Key: pageKey(page.siteId, page.pageId),
            UpdateExpression: attempt.UpdateExpression,
            ConditionExpression: attempt.ConditionExpression,
            ExpressionAttributeNames: attempt.names,
            ExpressionAttributeValues: attempt.values,
            ReturnValues: 'UPDATED_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        )
        break
      } catch (error) {
        const failed = (error as { name?: string }).name === 'ConditionalCheckFailedException'
        if (!failed || i === attempts.length - 1) throw error
      }
    }
    const old = output?.Attributes
    const existed = old?.firstSeen !== undefined
    const wasLive = existed && old?.isTombstone !== true
    return { total: existed ? 0 : 1, live: (page.isTombstone ? 0 : 1) - (wasLive ? 1 : 0) }
  }

  /**
   * Adds to the site's counters, replay-safe as the library's counter is: the update sets this
   * writer's entry of the `countWriters` map to a fresh token, conditional on it not holding that
   * token yet; before the site's first count the map does not exist, and is created instead.
   */
  async addCounts(siteId: string, delta: CountDelta): Promise<void> {
    if (delta.total === 0 && delta.live === 0) return
    const token = `${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}`
    const names: Record<string, string> = { '#total': 'total', '#live': 'live', '#writers': 'countWriters' }
    const values: Item = { ':total': delta.total, ':live': delta.live }
    const identity = Object.entries(pageCountAttributes(siteId, this.counterShard)).map(
      ([name, value], i) => {
        names[`#c${i}`] = name
        values[`:c${i}`] = value
        return `#c${i} = :c${i}`
      },
    )
    const common = { TableName: this.table, Key: pageCountKey(siteId, this.counterShard) }
    const counts = `${identity.join(', ')} ADD #total :total, #live :live`
    try {
      await this.raw.send(
        new UpdateCommand({
          ...common,
          UpdateExpression: `SET #writers.#me = :token, ${counts}`,
          ConditionExpression: 'attribute_not_exists(#writers.#me) OR #writers.#me <> :token',
          ExpressionAttributeNames: { ...names, '#me': this.writer },
          ExpressionAttributeValues: { ...values, ':token': token },
          ReturnValues: 'ALL_NEW',
        }),
      )
    } catch (error) {
      if (
        !/document path provided in the update expression is invalid/i.test(String((error as Error).message))
      ) {
        throw error
      }
      await this.raw.send(
        new UpdateCommand({
          ...common,
          UpdateExpression: `SET #writers = :writers, ${counts}`,
          ConditionExpression: 'attribute_not_exists(#writers)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':writers': { [this.writer]: token } },
        }),
      )
    }
  }

  async savePage(page: Page): Promise<void> {
    await this.addCounts(page.siteId, await this.writePage(page))
  }

  async getPage(siteId: string, pageId: string): Promise<Item | undefined> {
    const { Item } = await this.raw.send<{ Item?: Item }>(
      new GetCommand({ TableName: this.table, Key: pageKey(siteId, pageId) }),
    )
    return Item
  }

  async pageByUrl(siteId: string, url: string): Promise<Item | undefined> {
    const key = pageByUrlKey(siteId, url)
    const { Items } = await this.raw.send<{ Items?: Item[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk = :sk',
        ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
        Limit: 1,
      }),
    )
    return Items?.[0]
  }

  /**
   * A page of a site's live pages as the library reads it: one more item asked for than wanted,
   * so a full last page needs no further Query; the cursor (the last item's table and gsi1 keys)
   * only when more follow.
   */
  async listLivePages(siteId: string, limit: number): Promise<{ items: Item[]; cursor?: Item }> {
    const query = livePagesQuery(siteId)
    const { Items = [] } = await this.raw.send<{ Items?: Item[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
        Limit: limit + 1,
      }),
    )
    if (Items.length <= limit) return { items: Items }
    const items = Items.slice(0, limit)
    const { pk, sk, gsi1pk, gsi1sk } = items.at(-1)!
    return { items, cursor: { pk, sk, gsi1pk, gsi1sk } }
  }

  /** The version first, then the page pointing at it (the library's order). */
  async commitVersion(page: Page, version: PageVersion): Promise<void> {
    await this.raw.send(new PutCommand({ TableName: this.table, Item: versionItem(version) }))
    await this.savePage({ ...page, currentVersionId: version.versionId })
  }

  /**
   * Claims the next pending item of a run as the library's claim of one does: one Query of the
   * pending partition (2 candidates), then per candidate until one is won an UpdateItem that moves
   * it to the in_progress partition with a lease computed at that take and the take's token,
   * conditional on it still being pending or already holding this take (a resend).
   */
  async claimOne(runId: string, workerId: string, leaseSeconds = 300): Promise<Item | null> {
    const due = frontierQueueQuery(runId, claimStart(Date.now()))
    const { Items } = await this.raw.send<{ Items?: Item[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk >= :sk',
        ExpressionAttributeValues: { ':pk': due.pk, ':sk': due.skFrom },
        Limit: 2,
      }),
    )
    for (const candidate of Items ?? []) {
      const taken = await this.take(runId, String(candidate.itemId), workerId, leaseSeconds)
      if (taken) return taken
    }
    return null
  }

  private async take(runId: string, itemId: string, workerId: string, leaseSeconds: number) {
    const now = Date.now()
    const leaseEnd = now + leaseSeconds * 1000
    const names: Record<string, string> = {
      '#status': 'status',
      '#worker': 'workerId',
      '#lease': 'leaseExpiresAt',
      '#started': 'startedAt',
      '#token': 'writeToken',
    }
    const values: Item = {
      ':claimed': 'in_progress',
      ':pending': 'pending',
      ':worker': workerId,
      ':lease': new Date(leaseEnd).toISOString(),
      ':now': new Date(now).toISOString(),
      ':token': newWriteToken(),
    }
    const queueKey = timedKey(leaseEnd, keyPart(itemId))
    const keys = Object.entries(takenAttributes(runId, itemId, queueKey)).map(([name, value], i) => {
      names[`#k${i}`] = name
      values[`:k${i}`] = value
      return `#k${i} = :k${i}`
    })
    try {
      const { Attributes } = await this.raw.send<{ Attributes?: Item }>(
        new UpdateCommand({
          TableName: this.table,
          Key: frontierKey(runId, itemId),
          UpdateExpression: `SET #status = :claimed, #worker = :worker, #lease = :lease, #started = :now, #token = :token, ${keys.join(', ')}`,
          ConditionExpression: '((#status = :pending) OR (#status = :claimed AND #token = :token))',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
      return Attributes ?? null
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error
      return null
    }
  }

  /** savePagesBulk's work: one revision-adding UpdateItem per page, 16 at once, then the counts. */
  async savePagesBulk(pages: Page[]): Promise<number> {
    const deltas = await inLanes(pages, BULK_LANES, (page) => this.writePage(page))
    const bySite = new Map<string, CountDelta>()
    deltas.forEach((delta, i) => {
      const siteId = pages[i]!.siteId
      const sum = bySite.get(siteId) ?? { total: 0, live: 0 }
      sum.total += delta.total
      sum.live += delta.live
      bySite.set(siteId, sum)
    })
    for (const [siteId, delta] of bySite) await this.addCounts(siteId, delta)
    return pages.length
  }

  /**
   * Other work than the library's, for scale: the same items put blindly with BatchWriteItem (25 a
   * request, 4 requests in flight) — no revision, no counts, last writer wins.
   */
  async batchPutPages(pages: Page[]): Promise<number> {
    const items = pages.map((page) => ({
      ...pageKey(page.siteId, page.pageId),
      ...pageAttributes(page).set,
      revision: 1,
    }))
    const batches: Item[][] = []
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25))
    await inLanes(batches, 4, async (batch) => {
      let requests: Record<string, { PutRequest: { Item: Item } }[]> = {
        [this.table]: batch.map((Item) => ({ PutRequest: { Item } })),
      }
      while (Object.keys(requests).length > 0) {
        const output = await this.raw.send<{ UnprocessedItems?: typeof requests }>(
          new BatchWriteCommand({ RequestItems: requests }),
        )
        requests = output.UnprocessedItems ?? {}
      }
    })
    return pages.length
  }
}
