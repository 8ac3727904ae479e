import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import type { Page } from '../../model/schemas.js'
import type { PagedQuery } from '../plumbing/listing.js'
import type { ChangeFeedAdapter } from './page-changes.js'
import type { PageWriteAttributes } from './page-write.js'

/**
 * What differs between the layouts' pages: the item's keys and shape (ElectroDB builds the
 * requests), the bookkeeping attribute names, where the counters live and which Queries serve a
 * listing. The logic (replay safety, counting, bulk saves, cursors) is the store's.
 */
export interface PagesAdapter {
  readonly transport: Transport
  /** Stored names of the replay-safe save's bookkeeping attributes on the page item. */
  readonly writeAttributes: PageWriteAttributes
  /** Stored name of the writers map on the counter item (see `PageCounter`). */
  readonly countWriters: string
  /** The UpdateItem that replaces the page and adds 1 to `revision`, conditional on `expectedRevision`. */
  saveParams(page: Page, expectedRevision: number | undefined): UpdateCommandInput
  /** Counter items per site: a writer updates the one its id hashes to; counts are their sum. */
  readonly counterShards: number
  /** The UpdateItem that adds `total`/`live` to one of the site's counter items. */
  counterParams(siteId: string, shard: number, total: number, live: number): UpdateCommandInput
  /** The site's counts: the sum over its counter items. */
  readCounts(siteId: string): Promise<{ total?: number; live?: number }>
  get(siteId: string, pageId: string): Promise<Page | null>
  byUrl(siteId: string, url: string): Promise<Page | null>
  /** The Query of a site's pages (live ones only unless `includeTombstones`). */
  listQuery(siteId: string, includeTombstones: boolean): PagedQuery<Page>
  /** The Queries of the recrawl queue, read one after another: pages last crawled before `cutoff`. */
  recrawlQueries(siteId: string, cutoff: Date | null): PagedQuery<Page>[]
  /** The change feed's index (its marker is also in `writeAttributes.feed`). */
  readonly feed: ChangeFeedAdapter
  readonly changeFeedDelaySeconds: number
}

/** The ElectroDB update builder's part that conditions a save on the page's revision. */
interface RevisionCondition {
  where(
    condition: (
      attributes: { revision: unknown },
      op: { notExists(attribute: unknown): string; eq(attribute: unknown, value: number): string },
    ) => string,
  ): unknown
}

/** Conditions `update` on `expectedRevision` (0: the page does not exist yet); none when undefined. */
export function expectRevision(update: RevisionCondition, expectedRevision: number | undefined): void {
  if (expectedRevision === undefined) return
  update.where((attr, op) =>
    expectedRevision === 0 ? op.notExists(attr.revision) : op.eq(attr.revision, expectedRevision),
  )
}

/** The condition of a save on `expectedRevision` (0: the page does not exist yet), for `entityUpdate`. */
export function revisionCondition(expectedRevision: number | undefined): {
  condition?: string
  conditionValues?: Record<string, unknown>
} {
  if (expectedRevision === undefined) return {}
  if (expectedRevision === 0) return { condition: 'attribute_not_exists(#revision)' }
  return { condition: '#revision = :c_revision', conditionValues: { ':c_revision': expectedRevision } }
}
