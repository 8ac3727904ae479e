import type { BillingMode, ProvisionedThroughput } from '@aws-sdk/client-dynamodb'
import type { DynamoDBConfig } from '../config.js'

/** Table-level billing settings: on demand, or provisioned with the configured units. */
export function billing(config: DynamoDBConfig): { BillingMode: BillingMode } & {
  ProvisionedThroughput?: ProvisionedThroughput
} {
  return config.billingMode === 'PROVISIONED'
    ? { BillingMode: 'PROVISIONED', ...throughput(config) }
    : { BillingMode: 'PAY_PER_REQUEST' }
}

/** Provisioned throughput for a table or GSI; nothing on demand. */
export function throughput(config: DynamoDBConfig): { ProvisionedThroughput?: ProvisionedThroughput } {
  if (config.billingMode !== 'PROVISIONED') return {}
  return {
    ProvisionedThroughput: {
      ReadCapacityUnits: config.readCapacityUnits ?? 1,
      WriteCapacityUnits: config.writeCapacityUnits ?? 1,
    },
  }
}
