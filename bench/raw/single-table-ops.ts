import { randomBytes } from 'node:crypto'
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { Page, PageVersion } from '../../src/index.js'
import { keyPart } from '../../src/keys/key-part.js'
import { inLanes } from '../support/concurrency.js'
import type { RawClient } from '../support/raw-client.js'
import {
  frontierKey,
  frontierStatusQuery,
  livePagesQuery,
  pageAttributes,
  pageByUrlKey,
  pageCountKey,
  pageKey,
  versionItem,
} from './single-table-keys.js'

type Item = Record<string, unknown>

/** How a page write changes its site's counts (what the library's counter item holds). */
interface CountDelta {
  total: number
  live: number
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

  /**
   * Replaces a page with one UpdateItem that adds 1 to `revision`, replay-safe as the library's
   * save is: it stores a random write token and the pre-image the counts need (`if_not_exists`
   * reads the item as it was), conditional on the item not holding that token yet. Returns the
   * count change.
   */
  async writePage(page: Page): Promise<CountDelta> {
    const { set, removed } = pageAttributes(page)
    const names: Record<string, string> = {
      '#revision': 'revision',
      '#token': 'writeToken',
      '#priorSeen': 'priorFirstSeen',
      '#priorTomb': 'priorIsTombstone',
      '#seen': 'firstSeen',
      '#tomb': 'isTombstone',
    }
    const values: Item = {
      ':one': 1,
      ':token': randomBytes(12).toString('base64url'),
      ':null': null,
      ':false': false,
    }
    const assignments = Object.entries(set).map(([name, value], i) => {
      names[`#s${i}`] = name
      values[`:s${i}`] = value
      return `#s${i} = :s${i}`
    })
    assignments.unshift(
      '#token = :token',
      '#priorSeen = if_not_exists(#seen, :null)',
      '#priorTomb = if_not_exists(#tomb, :false)',
    )
    const removals = removed.map((name, i) => {
      names[`#r${i}`] = name
      return `#r${i}`
    })
    const output = await this.raw.send<{ Attributes?: Item }>(
      new UpdateCommand({
        TableName: this.table,
        Key: pageKey(page.siteId, page.pageId),
        UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''} ADD #revision :one`,
        ConditionExpression: 'attribute_not_exists(#token) OR #token <> :token',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
    const old = output.Attributes
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
    const common = {
      TableName: this.table,
      Key: pageCountKey(siteId),
      ExpressionAttributeNames: {
        '#e': '__edb_e__',
        '#v': '__edb_v__',
        '#total': 'total',
        '#live': 'live',
        '#writers': 'countWriters',
      },
    }
    const values = {
      ':site': keyPart(siteId),
      ':e': 'pagecount',
      ':v': '1',
      ':total': delta.total,
      ':live': delta.live,
    }
    try {
      await this.raw.send(
        new UpdateCommand({
          ...common,
          ExpressionAttributeNames: { ...common.ExpressionAttributeNames, '#me': this.writer },
          UpdateExpression:
            'SET #writers.#me = :token, siteKey = :site, #e = :e, #v = :v ADD #total :total, #live :live',
          ConditionExpression: 'attribute_not_exists(#writers.#me) OR #writers.#me <> :token',
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
          UpdateExpression:
            'SET #writers = :writers, siteKey = :site, #e = :e, #v = :v ADD #total :total, #live :live',
          ConditionExpression: 'attribute_not_exists(#writers)',
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

  async listLivePages(siteId: string, limit: number): Promise<{ items: Item[]; cursor?: Item }> {
    const query = livePagesQuery(siteId)
    const { Items, LastEvaluatedKey } = await this.raw.send<{ Items?: Item[]; LastEvaluatedKey?: Item }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
        Limit: limit,
      }),
    )
    return { items: Items ?? [], ...(LastEvaluatedKey ? { cursor: LastEvaluatedKey } : {}) }
  }

  /** The version first, then the page pointing at it (the library's order). */
  async commitVersion(page: Page, version: PageVersion): Promise<void> {
    await this.raw.send(new PutCommand({ TableName: this.table, Item: versionItem(version) }))
    await this.savePage({ ...page, currentVersionId: version.versionId })
  }

  /**
   * Claims the next pending item of a run: one Query of the pending partition (2 candidates), then
   * an UpdateItem conditional on `status = pending`, moving it to the in_progress partition.
   */
  async claimOne(runId: string, workerId: string, leaseSeconds = 300): Promise<Item | null> {
    const pending = frontierStatusQuery(runId, 'pending')
    const { Items } = await this.raw.send<{ Items?: Item[] }>(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pending.pk, ':prefix': pending.skPrefix },
        Limit: 2,
      }),
    )
    const now = new Date()
    for (const candidate of Items ?? []) {
      try {
        const { Attributes } = await this.raw.send<{ Attributes?: Item }>(
          new UpdateCommand({
            TableName: this.table,
            Key: frontierKey(runId, String(candidate.itemId)),
            UpdateExpression:
              'SET #status = :claimed, workerId = :worker, leaseExpiresAt = :lease, startedAt = :now, gsi1pk = :gsi1pk',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':claimed': 'in_progress',
              ':pending': 'pending',
              ':worker': workerId,
              ':lease': new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
              ':now': now.toISOString(),
              ':gsi1pk': frontierStatusQuery(runId, 'in_progress').pk,
            },
            ReturnValues: 'ALL_NEW',
          }),
        )
        return Attributes ?? null
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error
      }
    }
    return null
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
