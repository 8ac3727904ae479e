import type { Transport } from '../../engine/transport.js'

export type Row = Record<string, unknown>

/** One kind of item to remove: where it lives, its primary key, whether it is a logical record. */
export interface Members {
  table: string
  keys: readonly string[]
  /** Pages of rows holding at least the primary key. */
  rows: () => AsyncIterable<Row[]>
  /** Rows that count in `items` (a version's body chunks do not); all rows count without it. */
  logical?: (row: Row) => boolean
}

/** What a layout finds of a site to delete it: its members in removal order, and its own item. */
export interface SiteDeletionAdapter {
  transport: Transport
  members(siteId: string): Members[]
  /** Deletes the site item (and whatever goes with it); whether a site was there. */
  deleteSiteItem(siteId: string): Promise<boolean>
}
