import type { DynamoDBConfig } from '../../config.js'
import { Transport } from '../../engine/transport.js'
import { TTL_ATTRIBUTE } from '../../entities/common.js'
import { multiTableDefinitions } from '../../tables/multi-table.js'
import { MultiTableFrontier } from '../frontier/multi-table.js'
import type { Layout } from '../layout.js'
import { multiTableContext } from './context.js'
import { MultiTablePages } from './pages.js'
import { multiTableRecords } from './records.js'
import { MultiTableRuns } from './runs.js'
import { deleteSite } from './site-deletion.js'
import { MultiTableSites } from './sites.js'
import { MultiTableVersions } from './versions.js'

/** The documented layout: five tables, plain key values, snake_case attributes. */
export function multiTableLayout(config: DynamoDBConfig, transport = new Transport(config)): Layout {
  const ctx = multiTableContext(config, transport)
  const runs = new MultiTableRuns(ctx)
  const pages = new MultiTablePages(ctx)
  const versions = new MultiTableVersions(ctx, pages)
  const frontier = new MultiTableFrontier(ctx)
  return {
    config,
    transport,
    sites: new MultiTableSites(ctx, runs),
    runs,
    pages,
    versions,
    frontier,
    records: multiTableRecords(ctx, versions, frontier),
    deleteSite: (siteId) => deleteSite(ctx, siteId),
    tables: {
      definitions: multiTableDefinitions(config),
      ttlTables: [ctx.names.frontier],
      ttlAttribute: TTL_ATTRIBUTE,
    },
  }
}
