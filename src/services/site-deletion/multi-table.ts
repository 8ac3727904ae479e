import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { SITE_MEMBER_INDEXES } from '../../tables/multi-table.js'
import type { MultiTableContext } from '../multi-table/context.js'
import { isMissingIndex } from '../plumbing/aws-errors.js'
import { queryAll } from '../plumbing/listing.js'
import type { Members, Row, SiteDeletionAdapter } from './adapter.js'

/**
 * In the documented layout: the site's versions and chunks (`site_id-version_id-index`) and
 * frontier items (`site_id-item_id-index`) — whatever page or run they belong to, saved or not —
 * then its pages and runs (their `site_id` partitions). Tables created before those indexes existed
 * are walked the old way (each page's versions, each run's frontier), which misses orphans.
 */
export function multiTableSiteDeletion(ctx: MultiTableContext): SiteDeletionAdapter {
  const { names, transport } = ctx
  return {
    transport,
    members(site) {
      const partition = (
        table: string,
        hash: string,
        value: string,
        projection: string,
      ): QueryCommandInput => ({
        TableName: table,
        KeyConditionExpression: '#h = :h',
        ProjectionExpression: projection,
        ExpressionAttributeNames: { '#h': hash },
        ExpressionAttributeValues: { ':h': value },
      })
      const bySite = (table: string, index: string): QueryCommandInput => ({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: 'site_id = :site',
        ExpressionAttributeValues: { ':site': site },
      })
      const pagesOfSite = () =>
        queryAll(transport, partition(names.pages, 'site_id', site, 'site_id, page_id'))
      const runsOfSite = () => queryAll(transport, partition(names.runs, 'site_id', site, 'site_id, run_id'))

      const versions: Members = {
        table: names.versions,
        keys: ['page_id', 'version_id'],
        logical: (row) => row.chunk_of === undefined,
        rows: () =>
          withFallback(queryAll(transport, bySite(names.versions, SITE_MEMBER_INDEXES.versions)), () =>
            eachOf(pagesOfSite(), 'page_id', (pageId) =>
              queryAll(transport, {
                ...partition(names.versions, 'page_id', pageId, 'page_id, version_id, chunk_of'),
                FilterExpression: 'site_id = :site',
                ExpressionAttributeValues: { ':h': pageId, ':site': site },
              }),
            ),
          ),
      }
      const frontier: Members = {
        table: names.frontier,
        keys: ['run_id', 'item_id'],
        rows: () =>
          withFallback(queryAll(transport, bySite(names.frontier, SITE_MEMBER_INDEXES.frontier)), () =>
            eachOf(runsOfSite(), 'run_id', (runId) =>
              queryAll(transport, partition(names.frontier, 'run_id', runId, 'run_id, item_id')),
            ),
          ),
      }
      const pages: Members = { table: names.pages, keys: ['site_id', 'page_id'], rows: pagesOfSite }
      const runs: Members = { table: names.runs, keys: ['site_id', 'run_id'], rows: runsOfSite }
      // Versions and frontier first: the fallback walks find them through the pages and runs.
      return [versions, frontier, pages, runs]
    },
    async deleteSiteItem(siteId) {
      const { data } = await ctx.entities.site
        .delete({ siteId })
        .go({ ...ORIGINAL_ERRORS, response: 'all_old', ignoreOwnership: true })
      return data?.name !== undefined
    },
  }
}

/** The rows of `primary`, or of `fallback` when the table lacks the index `primary` reads. */
async function* withFallback(
  primary: AsyncIterable<Row[]>,
  fallback: () => AsyncIterable<Row[]>,
): AsyncGenerator<Row[]> {
  let started = false
  try {
    for await (const rows of primary) {
      started = true
      yield rows
    }
  } catch (error) {
    if (started || !isMissingIndex(error)) throw error
    yield* fallback()
  }
}

/** For each row of `parents`, the rows `children` yields for its `attribute`. */
async function* eachOf(
  parents: AsyncIterable<Row[]>,
  attribute: string,
  children: (value: string) => AsyncIterable<Row[]>,
): AsyncGenerator<Row[]> {
  for await (const rows of parents) {
    for (const row of rows) yield* children(String(row[attribute]))
  }
}
