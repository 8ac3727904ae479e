import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { parseStorageConfig, type StorageConfigInput } from '../config.js'
import { multiTableDefinitions } from '../tables/multi-table.js'
import { singleTableDefinition } from '../tables/single-table.js'

/** The CreateTable inputs of a config's layout: exactly what `initialize()` creates. */
export function tableDefinitions(config?: StorageConfigInput): CreateTableCommandInput[] {
  const { backend } = parseStorageConfig(config)
  return backend.layout === 'multi-table' ? multiTableDefinitions(backend) : [singleTableDefinition(backend)]
}
