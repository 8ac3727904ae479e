export type { CheckpointState, InvalidItem, TableCounts } from './checkpoint.js'
export { tableDefinitions } from './definitions.js'
export { type IamPolicyOptions, iamPolicy, MIGRATION_SOURCE_OPERATIONS, operationsFor } from './iam-policy.js'
export {
  type MigrateOptions,
  type MigrationProgress,
  type MigrationReport,
  migrateLayout,
} from './migrate.js'
export { type VerifyDifference, type VerifyOptions, type VerifyReport, verifyLayouts } from './verify.js'
