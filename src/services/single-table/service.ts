import { Service } from 'electrodb'
import type { DynamoDBClientLike } from '../../config.js'
import { frontierEntity } from '../../entities/frontier.js'
import { pageCountEntity, pageCountShardEntity, pageEntity } from '../../entities/page.js'
import { runEntity } from '../../entities/run.js'
import { siteEntity } from '../../entities/site.js'
import { versionChunkEntity, versionEntity } from '../../entities/version.js'

/**
 * The single-table Service: one physical table, a logical five-table view. Entities are built
 * fresh here (a Service rewrites the table of the entities it is given).
 */
export function singleTableService(table: string, client: DynamoDBClientLike) {
  const options = { table, client }
  return new Service(
    {
      site: siteEntity(options),
      run: runEntity(options),
      page: pageEntity(options),
      pageCount: pageCountEntity(options),
      pageCountShard: pageCountShardEntity(options),
      version: versionEntity(options),
      versionChunk: versionChunkEntity(options),
      frontier: frontierEntity(options),
    },
    options,
  )
}

export type SingleTableService = ReturnType<typeof singleTableService>
export type SingleTableEntities = SingleTableService['entities']
