import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb'
import { type DynamoDBConfig, singleTableName } from '../config.js'
import { SINGLE_TABLE_KEYS } from '../entities/common.js'
import { billing, throughput } from './billing.js'

/**
 * Projections per GSI: gsi4 only finds what to delete, so it holds keys only; gsi5 (the change
 * feed) delivers whole pages.
 */
const GSI_PROJECTIONS = { gsi1: 'ALL', gsi2: 'ALL', gsi3: 'ALL', gsi4: 'KEYS_ONLY', gsi5: 'ALL' } as const

/** The one table of the single-table layout, with its five overloaded GSIs. */
export function singleTableDefinition(config: DynamoDBConfig): CreateTableCommandInput {
  const gsis = Object.entries(GSI_PROJECTIONS).map(
    ([name, projection]): GlobalSecondaryIndex => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: SINGLE_TABLE_KEYS[name as keyof typeof GSI_PROJECTIONS].pk, KeyType: 'HASH' },
        { AttributeName: SINGLE_TABLE_KEYS[name as keyof typeof GSI_PROJECTIONS].sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: projection },
      ...throughput(config),
    }),
  )
  const keyAttributes = Object.values(SINGLE_TABLE_KEYS).flatMap((k) => [k.pk, k.sk])
  return {
    TableName: singleTableName(config),
    KeySchema: [
      { AttributeName: SINGLE_TABLE_KEYS.primary.pk, KeyType: 'HASH' },
      { AttributeName: SINGLE_TABLE_KEYS.primary.sk, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: gsis,
    ...billing(config),
  }
}
