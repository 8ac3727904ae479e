import type { DynamoDBConfig } from '../../config.js'
import type { Transport } from '../../engine/transport.js'
import { frontierTableEntity } from '../../entities/frontier.js'
import { pageTableEntity } from '../../entities/page.js'
import { runTableEntity } from '../../entities/run.js'
import { siteTableEntity } from '../../entities/site.js'
import { versionChunkTableEntity, versionTableEntity } from '../../entities/version.js'
import { type MultiTableNames, multiTableNames } from '../../tables/multi-table.js'

/** Entities of the documented layout, built fresh, each on its own table. */
export function multiTableEntities(names: MultiTableNames, client: Transport) {
  return {
    site: siteTableEntity({ table: names.sites, client }),
    run: runTableEntity({ table: names.runs, client }),
    page: pageTableEntity({ table: names.pages, client }),
    version: versionTableEntity({ table: names.versions, client }),
    versionChunk: versionChunkTableEntity({ table: names.versions, client }),
    frontier: frontierTableEntity({ table: names.frontier, client }),
  }
}

export type MultiTableEntities = ReturnType<typeof multiTableEntities>

export interface MultiTableContext {
  config: DynamoDBConfig
  names: MultiTableNames
  transport: Transport
  entities: MultiTableEntities
}

export function multiTableContext(config: DynamoDBConfig, transport: Transport): MultiTableContext {
  const names = multiTableNames(config)
  return { config, names, transport, entities: multiTableEntities(names, transport) }
}
