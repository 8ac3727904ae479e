import type { DynamoDBConfig } from '../../config.js'
import { Transport } from '../../engine/transport.js'
import { TTL_ATTRIBUTE } from '../../entities/common.js'
import { multiTableDefinitions } from '../../tables/multi-table.js'
import { MultiTableFrontier } from '../frontier/multi-table.js'
import type { Layout } from '../layout.js'
import { multiTablePages } from '../pages/multi-table.js'
import { multiTableRuns } from '../runs/multi-table.js'
import { Runs } from '../runs/runs-store.js'
import { multiTableSiteDeletion } from '../site-deletion/multi-table.js'
import { deleteSiteAndMembers } from '../site-deletion/site-deletion-store.js'
import { multiTableSites } from '../sites/multi-table.js'
import { Sites } from '../sites/sites-store.js'
import { multiTableVersions } from '../versions/multi-table.js'
import { multiTableContext } from './context.js'
import { multiTableRecords } from './records.js'

/** The documented layout: five tables, plain key values, snake_case attributes. */
export function multiTableLayout(config: DynamoDBConfig, transport = new Transport(config)): Layout {
  const ctx = multiTableContext(config, transport)
  const runs = new Runs(multiTableRuns(ctx))
  const siteDeletion = multiTableSiteDeletion(ctx)
  const pages = multiTablePages(ctx)
  const versions = multiTableVersions(ctx, pages)
  const frontier = new MultiTableFrontier(ctx)
  return {
    config,
    transport,
    sites: new Sites(multiTableSites(ctx), runs),
    runs,
    pages,
    versions,
    frontier,
    records: multiTableRecords(ctx, versions, frontier),
    deleteSiteAndMembers: (siteId) => deleteSiteAndMembers(siteDeletion, siteId),
    tables: {
      definitions: multiTableDefinitions(config),
      ttlTables: [ctx.names.frontier],
      ttlAttribute: TTL_ATTRIBUTE,
    },
  }
}
