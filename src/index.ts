// ragcrawl-dynamodb: the DynamoDB storage layer of ragcrawl.

export type {
  DynamoDBClientLike,
  DynamoDBConfig,
  DynamoDBConfigInput,
  StorageConfig,
  StorageConfigInput,
} from './config.js'
// Configuration
export { DynamoDBConfigSchema, StorageConfigSchema } from './config.js'
export type { OperationMetrics, RequestMetrics } from './engine/metrics.js'
// Errors
export * from './errors.js'
export type {
  IamPolicyOptions,
  InvalidItem,
  MigrateOptions,
  MigrationProgress,
  MigrationReport,
  TableCounts,
  VerifyDifference,
  VerifyOptions,
  VerifyReport,
} from './layout-tools/index.js'
// Layout tools: table definitions, IAM policy, migration between layouts
export {
  iamPolicy,
  MIGRATION_SOURCE_OPERATIONS,
  migrateLayout,
  operationsFor,
  tableDefinitions,
  verifyLayouts,
} from './layout-tools/index.js'
export { frontierItemIdFor, newRunId, newVersionId, pageIdFor, urlHashFor } from './model/ids.js'
// Model: the zod schemas and the types inferred from them
export * from './model/schemas.js'
export type { ListingPage, PageRequest } from './paginate.js'
// Listings
export { paginate } from './paginate.js'
export type { EngineCapabilities, HealthReport, StorageBackend, TableHealth } from './services/contract.js'
// Backend
export { createStorageBackend } from './services/factory.js'
// Every method's options, named after it (ListPagesOptions, ClaimOptions, …)
export type * from './services/options.js'
export type { PageChange } from './services/pages/page-changes.js'
export type { ListResult } from './services/plumbing/listing.js'
export type {
  FrontierHandler,
  FrontierHandlerContext,
  ProcessFrontierOptions,
  ProcessFrontierResult,
} from './worker/process-frontier.js'
// Worker loop of a distributed crawl
export { ProcessFrontierOptionsSchema, processFrontier } from './worker/process-frontier.js'
