import { z } from 'zod'
import { validate } from './model/validate.js'

const TABLE_NAME_CHARS = /^[A-Za-z0-9_.-]*$/

/** Anything with `send`: a DynamoDBClient, possibly from another copy or version of the SDK. */
export interface DynamoDBClientLike {
  send(command: unknown, options?: unknown): Promise<unknown>
}

const clientSchema = z.custom<DynamoDBClientLike>(
  (value) =>
    typeof value === 'object' && value !== null && typeof (value as { send?: unknown }).send === 'function',
  { error: 'must be an object with a send() method (a DynamoDBClient)' },
)

export const DynamoDBConfigSchema = z
  .strictObject({
    /** The only backend type. */
    type: z.literal('dynamodb').default('dynamodb'),
    /** Prefix of every table name. @example 'ragcrawl_' */
    tablePrefix: z
      .string()
      .regex(TABLE_NAME_CHARS, { error: 'may hold only letters, digits, _ . and -' })
      .max(200)
      .default('ragcrawl_'),
    /** AWS region. @example 'eu-west-1' */
    region: z.string().min(1).default('us-east-1'),
    /**
     * Endpoint: absent for AWS, `http://localhost:8000` for DynamoDB Local, `embedded` for an
     * in-process dynalite in memory, `embedded:<dir>` for one persisted in `<dir>`.
     */
    endpointUrl: z
      .string()
      .refine((value) => value === 'embedded' || value.startsWith('embedded:') || URL.canParse(value), {
        error: "must be a URL, 'embedded' or 'embedded:<dir>'",
      })
      .optional(),
    /** `single-table` (default): one ElectroDB table; `multi-table`: the documented five tables. */
    layout: z.enum(['single-table', 'multi-table']).default('single-table'),
    /** Single-table only: the table name. Default `${tablePrefix}data`. */
    tableName: z
      .string()
      .min(3)
      .max(255)
      .regex(TABLE_NAME_CHARS, { error: 'may hold only letters, digits, _ . and -' })
      .optional(),
    /** On-demand (default) or provisioned capacity for every table and index. */
    billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']).default('PAY_PER_REQUEST'),
    readCapacityUnits: z.number().int().positive().optional(),
    writeCapacityUnits: z.number().int().positive().optional(),
    /** Days a completed/failed/skipped frontier item lives; `null` keeps them forever. */
    frontierTtlDays: z.number().positive().nullable().default(7),
    /** Failed attempts (`retryFrontierItem`) after which an item becomes `failed` instead of pending. */
    frontierMaxRetries: z.number().int().min(0).default(3),
    /** Base of the retry backoff: the nth retry waits this × 2^(n−1) s (capped at 3,600), jittered. */
    frontierRetryDelaySeconds: z.number().nonnegative().default(30),
    /**
     * The change feed delivers a change once it is this old, so that writers whose clocks run
     * behind by up to this much are never skipped.
     */
    changeFeedDelaySeconds: z.number().min(0).max(3600).default(5),
    /**
     * Single-table only: partitions a run's frontier is spread over. 1 keeps claims exact in
     * priority order at one Query each; more lifts the per-partition write ceiling of a large
     * distributed crawl (claims then prefer the worker's own shard).
     */
    frontierShards: z.number().int().min(1).max(64).default(1),
    /** Attempts per request, retries of throttling and 5xx included. */
    maxAttempts: z.number().int().min(1).max(20).default(8),
    /** A client to use instead of building one (duck-typed: anything with `send`). */
    client: clientSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.billingMode === 'PROVISIONED') {
      for (const key of ['readCapacityUnits', 'writeCapacityUnits'] as const) {
        if (config[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'is required when billingMode is PROVISIONED',
          })
        }
      }
    }
    if (config.layout === 'multi-table' && config.tableName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tableName'],
        message: 'applies to the single-table layout only',
      })
    }
  })

export const StorageConfigSchema = z.strictObject({
  backend: DynamoDBConfigSchema.default(() => DynamoDBConfigSchema.parse({})),
})

export type DynamoDBConfig = Readonly<z.output<typeof DynamoDBConfigSchema>>
export type DynamoDBConfigInput = z.input<typeof DynamoDBConfigSchema>
export type StorageConfig = Readonly<{ backend: DynamoDBConfig }>
export type StorageConfigInput = z.input<typeof StorageConfigSchema>

/** Validates a config once; the result is frozen. Throws `ValidationError` naming the field. */
export function parseStorageConfig(input: StorageConfigInput | undefined): StorageConfig {
  const parsed = validate(StorageConfigSchema, input ?? {})
  return Object.freeze({ backend: Object.freeze(parsed.backend) })
}

/** The physical table names of a layout. */
export function singleTableName(config: DynamoDBConfig): string {
  return config.tableName ?? `${config.tablePrefix}data`
}
