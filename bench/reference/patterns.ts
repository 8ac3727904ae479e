import { DeleteCommand, GetCommand, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb'
import type { PatternFixture } from '../../src/demo/access-patterns.js'
import type { RawClient } from '../support/raw-client.js'
import { pynamoDateTime } from './items.js'
import type { ReferenceTables } from './tables.js'

type Item = Record<string, unknown>
type Key = Record<string, unknown>

/**
 * The Python reference's call pattern for the work of one library access pattern, done by hand
 * with lib-dynamodb on tables shaped like the reference's (ragcrawl `storage/dynamodb/backend.py`).
 * PynamoDB's `scan(..., limit=N)` sends `Limit=N` as the page size and follows
 * `LastEvaluatedKey` until N items matched; without `limit` it reads 1 MB pages.
 */
export interface ReferencePattern {
  /** The library pattern (`AccessPattern.name`) it is compared with. */
  name: string
  callPattern: string
  run: (raw: RawClient, t: ReferenceTables, fixture: PatternFixture) => Promise<string>
}

const PAGE_SIZE = 100
const DAY_MS = 24 * 3_600_000

/** Scan pages until `enough` items matched (or the table ends); returns the matches. */
async function scanUntil(raw: RawClient, input: ScanCommandInput, enough: number): Promise<Item[]> {
  const found: Item[] = []
  let start: Key | undefined
  do {
    const out = await raw.send<{ Items?: Item[]; LastEvaluatedKey?: Key }>(
      new ScanCommand({ ...input, ExclusiveStartKey: start }),
    )
    found.push(...(out.Items ?? []))
    start = out.LastEvaluatedKey
  } while (start && found.length < enough)
  return found.slice(0, enough)
}

export const REFERENCE_PATTERNS: ReferencePattern[] = [
  {
    name: 'list sites (page of 100)',
    callPattern: 'full Scan of the sites table',
    run: async (raw, t) =>
      `${(await scanUntil(raw, { TableName: t.sites }, Number.POSITIVE_INFINITY)).length} sites`,
  },
  {
    name: 'page by URL',
    callPattern: 'full-table Scan, filter site_id and url, until the first hit',
    run: async (raw, t, f) => {
      const [page] = await scanUntil(
        raw,
        {
          TableName: t.pages,
          FilterExpression: 'site_id = :site AND #url = :url',
          ExpressionAttributeNames: { '#url': 'url' },
          ExpressionAttributeValues: { ':site': f.siteId, ':url': f.url },
        },
        1,
      )
      return `${page?.page_id}`
    },
  },
  {
    name: 'live pages (page of 100)',
    callPattern: 'Scan Limit 100, filter site_id and not tombstone, until 100 match',
    run: async (raw, t, f) => {
      const pages = await scanUntil(
        raw,
        {
          TableName: t.pages,
          Limit: PAGE_SIZE,
          FilterExpression: 'site_id = :site AND is_tombstone = :no',
          ExpressionAttributeValues: { ':site': f.siteId, ':no': false },
        },
        PAGE_SIZE,
      )
      return `${pages.length} pages`
    },
  },
  {
    name: 'pages with tombstones (page of 100)',
    callPattern: 'Scan Limit 100, filter site_id, until 100 match',
    run: async (raw, t, f) => {
      const pages = await scanUntil(
        raw,
        {
          TableName: t.pages,
          Limit: PAGE_SIZE,
          FilterExpression: 'site_id = :site',
          ExpressionAttributeValues: { ':site': f.siteId },
        },
        PAGE_SIZE,
      )
      return `${pages.length} pages`
    },
  },
  {
    name: 'pages needing recrawl (page of 100)',
    callPattern: 'Scan Limit 100, filter site_id, not tombstone, last_crawled, until 100 match',
    run: async (raw, t, f) => {
      const pages = await scanUntil(
        raw,
        {
          TableName: t.pages,
          Limit: PAGE_SIZE,
          FilterExpression:
            'site_id = :site AND is_tombstone = :no AND (attribute_not_exists(last_crawled) OR last_crawled < :cutoff)',
          ExpressionAttributeValues: {
            ':site': f.siteId,
            ':no': false,
            ':cutoff': pynamoDateTime(new Date(Date.now() - DAY_MS)),
          },
        },
        PAGE_SIZE,
      )
      return `${pages.length} pages`
    },
  },
  {
    name: 'count pages',
    callPattern: 'full-table Scan, Select COUNT, filter site_id and not tombstone',
    run: async (raw, t, f) => {
      let count = 0
      let start: Key | undefined
      do {
        const out = await raw.send<{ Count?: number; LastEvaluatedKey?: Key }>(
          new ScanCommand({
            TableName: t.pages,
            Select: 'COUNT',
            FilterExpression: 'site_id = :site AND is_tombstone = :no',
            ExpressionAttributeValues: { ':site': f.siteId, ':no': false },
            ExclusiveStartKey: start,
          }),
        )
        count += out.Count ?? 0
        start = out.LastEvaluatedKey
      } while (start)
      return `${count} live`
    },
  },
  {
    name: 'current version',
    callPattern: 'GetItem page, then GetItem its current_version_id',
    run: async (raw, t, f) => {
      const { Item: page } = await raw.send<{ Item?: Item }>(
        new GetCommand({ TableName: t.pages, Key: { page_id: f.pageId } }),
      )
      if (!page?.current_version_id) return 'null'
      const { Item: version } = await raw.send<{ Item?: Item }>(
        new GetCommand({ TableName: t.versions, Key: { version_id: page.current_version_id } }),
      )
      return `${version?.version_id}`
    },
  },
]

export const REFERENCE_DELETE_SITE =
  '4 full-table Scans (frontier, versions, pages, runs; filter site_id), DeleteItem per item, GetItem + DeleteItem site'

/** delete_site: four filtered full-table scans deleting item by item, then the site. */
export async function referenceDeleteSite(
  raw: RawClient,
  t: ReferenceTables,
  siteId: string,
): Promise<number> {
  let deleted = 0
  const tables: [string, string][] = [
    [t.frontier, 'item_id'],
    [t.versions, 'version_id'],
    [t.pages, 'page_id'],
    [t.runs, 'run_id'],
  ]
  for (const [table, hash] of tables) {
    const items = await scanUntil(
      raw,
      {
        TableName: table,
        FilterExpression: 'site_id = :site',
        ExpressionAttributeValues: { ':site': siteId },
      },
      Number.POSITIVE_INFINITY,
    )
    for (const item of items) {
      await raw.send(new DeleteCommand({ TableName: table, Key: { [hash]: item[hash] } }))
      deleted++
    }
  }
  const { Item: site } = await raw.send<{ Item?: Item }>(
    new GetCommand({ TableName: t.sites, Key: { site_id: siteId } }),
  )
  if (site) {
    await raw.send(new DeleteCommand({ TableName: t.sites, Key: { site_id: siteId } }))
    deleted++
  }
  return deleted
}
