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
export type { StorageErrorCode, ValidationIssue } from './errors.js'
// Errors
export {
  AbortError,
  CapacityError,
  ConflictError,
  NotFoundError,
  StorageError,
  UnsupportedError,
  ValidationError,
} from './errors.js'
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
export type {
  CrawlRun,
  CrawlRunInput,
  CrawlStats,
  CrawlStatsInput,
  FrontierItem,
  FrontierItemInput,
  FrontierStatus,
  Page,
  PageInput,
  PageVersion,
  PageVersionInput,
  RunStatus,
  Site,
  SiteInput,
} from './model/schemas.js'
// Model
export {
  CrawlRunSchema,
  CrawlStatsSchema,
  FrontierItemSchema,
  FrontierStatusSchema,
  PageSchema,
  PageVersionSchema,
  RunStatusSchema,
  SiteSchema,
} from './model/schemas.js'
export type { ListingPage, PageRequest } from './paginate.js'
// Listings
export { paginate } from './paginate.js'
export type {
  CallOptions,
  ClaimOptions,
  CountPagesOptions,
  EngineCapabilities,
  FollowPageChangesOptions,
  FrontierListOptions,
  HealthReport,
  ListOptions,
  ListPagesOptions,
  ListResult,
  PageChange,
  PageChangesOptions,
  RecrawlOptions,
  SaveOptions,
  StatusUpdateOptions,
  StorageBackend,
  TableHealth,
  WithRunsOptions,
  WithVersionsOptions,
} from './services/contract.js'
// Backend
export { createStorageBackend } from './services/factory.js'
