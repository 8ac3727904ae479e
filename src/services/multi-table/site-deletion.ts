import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { IdSchema } from '../../model/ids.js'
import { validate } from '../../model/validate.js'
import { batchWrite } from '../shared/batch.js'
import { queryAll } from '../shared/listing.js'
import type { MultiTableContext } from './context.js'

/**
 * deleteSite in the documented layout, by Query only: the site's pages (its partition of pages),
 * each page's versions and chunks of this site, its runs, each run's frontier, and the site item
 * last, so an interrupted delete can be run again.
 */
export async function deleteSite(
  ctx: MultiTableContext,
  siteId: string,
): Promise<{ deleted: boolean; items: number }> {
  const site = validate(IdSchema, siteId, 'siteId')
  const { names, transport } = ctx
  let items = 0
  const remove = (table: string, keys: string[], rows: Record<string, unknown>[]) =>
    batchWrite(
      transport,
      rows.map((row) => ({
        table,
        key: Object.fromEntries(keys.map((k) => [k, row[k]])),
        id: keys.map((k) => String(row[k])).join('/'),
      })),
    )
  const partition = (table: string, hash: string, value: string, projection: string, filter?: string) => ({
    TableName: table,
    KeyConditionExpression: '#h = :h',
    ProjectionExpression: projection,
    ...(filter
      ? { FilterExpression: filter, ExpressionAttributeValues: { ':h': value, ':site': site } }
      : {}),
    ExpressionAttributeNames: { '#h': hash },
    ...(filter ? {} : { ExpressionAttributeValues: { ':h': value } }),
  })

  for await (const pages of queryAll(
    transport,
    partition(names.pages, 'site_id', site, 'site_id, page_id'),
  )) {
    for (const page of pages) {
      const versions = partition(
        names.versions,
        'page_id',
        String(page.page_id),
        'page_id, version_id, chunk_of',
        'site_id = :site',
      )
      for await (const rows of queryAll(transport, versions)) {
        await remove(names.versions, ['page_id', 'version_id'], rows)
        items += rows.filter((row) => row.chunk_of === undefined).length
      }
    }
    await remove(names.pages, ['site_id', 'page_id'], pages)
    items += pages.length
  }
  for await (const runs of queryAll(transport, partition(names.runs, 'site_id', site, 'site_id, run_id'))) {
    for (const run of runs) {
      for await (const rows of queryAll(
        transport,
        partition(names.frontier, 'run_id', String(run.run_id), 'run_id, item_id'),
      )) {
        await remove(names.frontier, ['run_id', 'item_id'], rows)
        items += rows.length
      }
    }
    await remove(names.runs, ['site_id', 'run_id'], runs)
    items += runs.length
  }
  const { data: removed } = await ctx.entities.site
    .delete({ siteId: site })
    .go({ ...ORIGINAL_ERRORS, response: 'all_old', ignoreOwnership: true })
  const deleted = removed?.name !== undefined
  return { deleted, items: items + (deleted ? 1 : 0) }
}
