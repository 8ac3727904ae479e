import type { DynamoDBConfig } from '../../config.js'
import type { Transport } from '../../engine/transport.js'
import type { SingleTableEntities, SingleTableService } from './service.js'

/** What every single-table module works with. */
export interface SingleTableContext {
  config: DynamoDBConfig
  table: string
  transport: Transport
  service: SingleTableService
  entities: SingleTableEntities
}

/** Table and index key attributes, as a cursor or a delete needs them. */
export const KEYS = {
  primary: ['pk', 'sk'],
  gsi1: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
  gsi2: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
  gsi3: ['pk', 'sk', 'gsi3pk', 'gsi3sk'],
  gsi4: ['pk', 'sk', 'gsi4pk', 'gsi4sk'],
  gsi5: ['pk', 'sk', 'gsi5pk', 'gsi5sk'],
} as const
