import { type DynamoDBConfig, singleTableName } from '../../config.js'
import { Transport } from '../../engine/transport.js'
import { TTL_ATTRIBUTE } from '../../entities/common.js'
import { singleTableDefinition } from '../../tables/single-table.js'
import { SingleTableFrontier } from '../frontier/single-table.js'
import type { Layout } from '../layout.js'
import { singleTablePages } from '../pages/single-table.js'
import { Runs } from '../runs/runs-store.js'
import { singleTableRuns } from '../runs/single-table.js'
import { singleTableSiteDeletion } from '../site-deletion/single-table.js'
import { deleteSiteAndMembers } from '../site-deletion/site-deletion-store.js'
import { singleTableSites } from '../sites/single-table.js'
import { Sites } from '../sites/sites-store.js'
import { singleTableVersions } from '../versions/single-table.js'
import type { SingleTableContext } from './context.js'
import { singleTableRecords } from './records.js'
import { singleTableService } from './service.js'

/** The default layout: one table, ElectroDB entities in one Service. */
export function singleTableLayout(config: DynamoDBConfig, transport = new Transport(config)): Layout {
  const table = singleTableName(config)
  const service = singleTableService(table, transport)
  const ctx: SingleTableContext = { config, table, transport, service, entities: service.entities }
  const versions = singleTableVersions(ctx)
  const frontier = new SingleTableFrontier(ctx)
  const runs = new Runs(singleTableRuns(ctx))
  const siteDeletion = singleTableSiteDeletion(ctx)
  return {
    config,
    transport,
    sites: new Sites(singleTableSites(ctx), runs),
    runs,
    pages: singleTablePages(ctx),
    versions,
    frontier,
    records: singleTableRecords(ctx, versions, frontier),
    deleteSiteAndMembers: (siteId) => deleteSiteAndMembers(siteDeletion, siteId),
    tables: { definitions: [singleTableDefinition(config)], ttlTables: [table], ttlAttribute: TTL_ATTRIBUTE },
  }
}
