import { type DynamoDBConfig, singleTableName } from '../../config.js'
import { Transport } from '../../engine/transport.js'
import { TTL_ATTRIBUTE } from '../../entities/common.js'
import { singleTableDefinition } from '../../tables/single-table.js'
import { SingleTableFrontier } from '../frontier/single-table.js'
import type { Layout } from '../layout.js'
import type { SingleTableContext } from './context.js'
import { SingleTablePages } from './pages.js'
import { singleTableRecords } from './records.js'
import { SingleTableRuns } from './runs.js'
import { singleTableService } from './service.js'
import { deleteSite } from './site-deletion.js'
import { SingleTableSites } from './sites.js'
import { SingleTableVersions } from './versions.js'

/** The default layout: one table, ElectroDB entities in one Service. */
export function singleTableLayout(config: DynamoDBConfig, transport = new Transport(config)): Layout {
  const table = singleTableName(config)
  const service = singleTableService(table, transport)
  const ctx: SingleTableContext = { config, table, transport, service, entities: service.entities }
  const versions = new SingleTableVersions(ctx)
  const frontier = new SingleTableFrontier(ctx)
  return {
    config,
    transport,
    sites: new SingleTableSites(ctx),
    runs: new SingleTableRuns(ctx),
    pages: new SingleTablePages(ctx),
    versions,
    frontier,
    records: singleTableRecords(ctx, versions, frontier),
    deleteSite: (siteId) => deleteSite(ctx, siteId),
    tables: { definitions: [singleTableDefinition(config)], ttlTables: [table], ttlAttribute: TTL_ATTRIBUTE },
  }
}
