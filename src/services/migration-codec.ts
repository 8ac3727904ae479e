import type { CrawlRun, FrontierItem, Page, PageVersion, Site } from '../model/schemas.js'

/** One logical record of the five tables (plus a site's page counters), as migration moves them. */
export type LogicalRecord =
  | { table: 'sites'; value: Site }
  | { table: 'runs'; value: CrawlRun }
  | { table: 'pages'; value: Page }
  | { table: 'versions'; value: PageVersion }
  | { table: 'frontier'; value: FrontierItem; ttl?: number }
  | { table: 'pageCounts'; value: { siteId: string; total: number; live: number } }

export type LogicalTable = LogicalRecord['table']
export const LOGICAL_TABLES = ['sites', 'runs', 'pages', 'versions', 'frontier'] as const

/** What one raw item of a layout's tables is: a record, part of another record (skipped), or invalid. */
export type ReadResult =
  | { kind: 'record'; record: LogicalRecord }
  | { kind: 'skip'; table?: LogicalTable }
  | { kind: 'invalid'; table: LogicalTable | 'unknown'; reason: string }

/** How a layout reads raw items as logical records and writes records back, for migration and verify. */
export interface RecordCodec {
  /** The physical tables to Scan, each with its primary key attribute names. */
  tables: { name: string; keys: string[] }[]
  /** What a raw item of `table` holds (a multi-table site item can hold a site and its counters). */
  read(raw: Record<string, unknown>, table: string): Promise<ReadResult[]>
  /** Writes records as they are (revision, timestamps and lease data kept); idempotent. */
  write(records: LogicalRecord[]): Promise<void>
}
