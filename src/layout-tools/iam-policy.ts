import { parseStorageConfig, type StorageConfigInput } from '../config.js'
import { ValidationError } from '../errors.js'
import { tableDefinitions } from './definitions.js'

/** What the library sends in normal use of either layout, `initialize()` included. */
const COMMON_OPERATIONS = [
  'BatchExecuteStatement',
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'PutItem',
  'Query',
  'UpdateItem',
  'UpdateTimeToLive',
] as const

/**
 * The operations a layout's backend sends. The multi-table layout also Scans (listing sites: the
 * documented sites table has no key that orders sites). Engine capability probes on local
 * endpoints (`TransactGetItems`, a PartiQL SELECT of a missing table) are never sent to AWS and
 * are not granted.
 */
export function operationsFor(layout: 'single-table' | 'multi-table'): string[] {
  return [...COMMON_OPERATIONS, ...(layout === 'multi-table' ? ['Scan'] : [])].sort()
}

/**
 * The IAM actions an operation needs: its own name, except BatchExecuteStatement, whose
 * statements are authorized one by one (the bulk page save sends INSERT and UPDATE statements).
 */
export function iamActionsOf(operation: string): string[] {
  return operation === 'BatchExecuteStatement' ? ['PartiQLInsert', 'PartiQLUpdate'] : [operation]
}

/** A migration also Scans its source layout (parallel segments). */
export const MIGRATION_SOURCE_OPERATIONS = [
  'BatchGetItem',
  'DescribeTable',
  'GetItem',
  'Query',
  'Scan',
] as const

export interface IamPolicyOptions {
  /** The account in the ARNs; default `*`. */
  accountId?: string
  /** DynamoDB operations to allow instead of the layout's own (`operationsFor`). */
  operations?: readonly string[]
}

/**
 * A least-privilege IAM policy document: exactly the layout's operations, on each of its tables
 * and their indexes (`table/NAME` and `table/NAME/index/*`), in the configured region.
 */
export function iamPolicy(config?: StorageConfigInput, options: IamPolicyOptions = {}) {
  const { backend } = parseStorageConfig(config)
  if (options.accountId !== undefined && !/^(\d{12}|\*)$/.test(options.accountId)) {
    throw new ValidationError([{ path: 'accountId', message: 'must be a 12-digit AWS account id' }])
  }
  const account = options.accountId ?? '*'
  const operations = [
    ...new Set((options.operations ?? operationsFor(backend.layout)).flatMap(iamActionsOf)),
  ].sort()
  const resources = tableDefinitions(config).flatMap(({ TableName }) => {
    const table = `arn:aws:dynamodb:${backend.region}:${account}:table/${TableName}`
    return [table, `${table}/index/*`]
  })
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `RagcrawlDynamoDB${backend.layout === 'multi-table' ? 'MultiTable' : 'SingleTable'}`,
        Effect: 'Allow',
        Action: operations.map((op) => `dynamodb:${op}`),
        Resource: resources,
      },
    ],
  }
}
