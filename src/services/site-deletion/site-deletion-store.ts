import { batchWrite } from '../plumbing/batch.js'
import type { Members, SiteDeletionAdapter } from './adapter.js'

/**
 * deleteSite by Query only: every member the layout finds is removed in batches, the site item
 * last, so an interrupted delete can simply be run again.
 */
export async function deleteSiteAndMembers(
  adapter: SiteDeletionAdapter,
  siteId: string,
): Promise<{ deleted: boolean; items: number }> {
  let items = 0
  for (const members of adapter.members(siteId)) items += await removeAll(adapter, members)
  const deleted = await adapter.deleteSiteItem(siteId)
  return { deleted, items: items + (deleted ? 1 : 0) }
}

/** Deletes every row `members` yields, page by page; returns how many logical records went. */
async function removeAll({ transport }: SiteDeletionAdapter, members: Members): Promise<number> {
  let removed = 0
  for await (const rows of members.rows()) {
    await batchWrite(
      transport,
      rows.map((row) => ({
        table: members.table,
        key: Object.fromEntries(members.keys.map((k) => [k, row[k]])),
        id: members.keys.map((k) => String(row[k])).join('/'),
      })),
    )
    removed += members.logical ? rows.filter(members.logical).length : rows.length
  }
  return removed
}
