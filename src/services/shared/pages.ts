import { CapacityError, ValidationError } from '../../errors.js'
import { forEachConcurrent } from '../plumbing/retry.js'

/** How one save changes a site's page counts. */
export interface PageCountDelta {
  siteId: string
  total: number
  live: number
  /** Token of the page save it comes from: every delivery of one save has the same. */
  saveToken?: string
}

export function pageCountDelta(
  siteId: string,
  before: { isTombstone: boolean } | null,
  after: { isTombstone: boolean },
  saveToken?: string,
): PageCountDelta {
  const wasLive = before !== null && !before.isTombstone
  return {
    siteId,
    total: before === null ? 1 : 0,
    live: (after.isTombstone ? 0 : 1) - (wasLive ? 1 : 0),
    ...(saveToken === undefined ? {} : { saveToken }),
  }
}

/** Adds `delta` to its site's running sum in `bySite`. */
function addToSiteSum(bySite: Map<string, PageCountDelta>, delta: PageCountDelta): void {
  const sum = bySite.get(delta.siteId) ?? { siteId: delta.siteId, total: 0, live: 0 }
  sum.total += delta.total
  sum.live += delta.live
  bySite.set(delta.siteId, sum)
}

/** Sums count changes per site; sites whose counts did not change are left out. */
export function sumCountsBySite(deltas: PageCountDelta[]): Map<string, PageCountDelta> {
  const bySite = new Map<string, PageCountDelta>()
  for (const delta of deltas) addToSiteSum(bySite, delta)
  for (const [siteId, sum] of bySite) if (sum.total === 0 && sum.live === 0) bySite.delete(siteId)
  return bySite
}

/** The recrawl cutoff: `maxAgeHours` before `now`, or none. */
export function cutoffOf(options: { maxAgeHours?: number; now?: Date } | undefined): Date | null {
  if (options?.maxAgeHours === undefined) return null
  if (!Number.isFinite(options.maxAgeHours) || options.maxAgeHours < 0) {
    throw new ValidationError([{ path: 'maxAgeHours', message: 'must be a non-negative number' }])
  }
  if (options.now !== undefined && (!(options.now instanceof Date) || Number.isNaN(options.now.getTime()))) {
    throw new ValidationError([{ path: 'now', message: 'must be a valid Date' }])
  }
  const now = options.now ?? new Date()
  return new Date(now.getTime() - options.maxAgeHours * 3_600_000)
}

/** Pages saved at once by a bulk save. */
const BULK_CONCURRENCY = 16

/**
 * Saves pages concurrently, each with its own atomic revision increment, keeping only the count
 * changes summed per site (never the saved pages: memory stays the input's). Pages throttled past
 * the SDK's retries make one `CapacityError` naming every unsaved pageId; any other error is
 * returned as is. The count changes of the pages that were saved are returned either way, to be
 * applied first.
 */
export async function bulkSave<T extends { pageId: string }>(
  pages: T[],
  save: (page: T) => Promise<{ deltas: PageCountDelta[] }>,
  isThrottling: (error: unknown) => boolean,
): Promise<{ saved: number; deltas: PageCountDelta[]; failure?: unknown }> {
  const sums = new Map<string, PageCountDelta>()
  const failed: { pageId: string; reason: unknown }[] = []
  let saved = 0
  await forEachConcurrent(pages, BULK_CONCURRENCY, async (page) => {
    try {
      const { deltas } = await save(page)
      saved++
      for (const delta of deltas) addToSiteSum(sums, delta)
    } catch (reason) {
      failed.push({ pageId: page.pageId, reason })
    }
  })
  const deltas = [...sums.values()]
  if (failed.length === 0) return { saved, deltas }
  const other = failed.find((f) => !isThrottling(f.reason))
  if (other) return { saved, deltas, failure: other.reason }
  const ids = failed.map((f) => f.pageId)
  return {
    saved,
    deltas,
    failure: new CapacityError(
      `${failed.length} of ${pages.length} pages were not saved (throttled); unsaved pageIds: ${ids.join(', ')}`,
      { unprocessed: ids, cause: failed[0]!.reason },
    ),
  }
}
