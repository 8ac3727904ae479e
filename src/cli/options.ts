import { type Command, InvalidArgumentError, Option } from 'commander'
import { parseStorageConfig, type StorageConfigInput } from '../config.js'
import type { StorageBackend } from '../services/contract.js'

export const LAYOUTS = ['single-table', 'multi-table'] as const
export type LayoutName = (typeof LAYOUTS)[number]

/** Where the tables are: shared by every command that reaches an engine or names tables. */
export interface ConnectionOptions {
  prefix?: string
  region?: string
  endpoint?: string
  tableName?: string
}

export interface JsonOption {
  json?: boolean
}

/** What a command on one layout's tables is given: `--layout`, the connection options, `--json`. */
export type LayoutCommandOptions = ConnectionOptions & JsonOption & { layout?: LayoutName }

/** `--prefix`, `--region`, `--endpoint` and (unless `tableName: false`) `--table-name`. */
export function addConnectionOptions(
  command: Command,
  options: { endpoint?: boolean; tableName?: boolean } = {},
): Command {
  command.option('--prefix <prefix>', "table name prefix (tablePrefix; default 'ragcrawl_')")
  command.addOption(
    new Option('--region <region>', "AWS region (default: $AWS_REGION, else 'us-east-1')").env('AWS_REGION'),
  )
  if (options.endpoint !== false) {
    command.option(
      '--endpoint <url>',
      "endpoint URL: http://localhost:8000 for DynamoDB Local, 'embedded' or 'embedded:<dir>' for an in-process dynalite; default AWS",
    )
  }
  if (options.tableName !== false) {
    command.option('--table-name <name>', 'single-table layout only: the table name (default <prefix>data)')
  }
  return command
}

export function layoutOption(flags = '--layout <layout>', description = 'table layout'): Option {
  return new Option(flags, description).choices(LAYOUTS)
}

export function addJsonOption(command: Command, what = 'the report'): Command {
  return command.option('--json', `print ${what} as JSON on stdout`)
}

/** What every command on one layout's tables takes: `--layout`, the connection options, `--json`. */
export function addLayoutCommandOptions(
  command: Command,
  json: string,
  connection: Parameters<typeof addConnectionOptions>[1] = {},
): Command {
  command.addOption(layoutOption())
  addConnectionOptions(command, connection)
  return addJsonOption(command, json)
}

/** `--billing-mode`, `--read-capacity`, `--write-capacity`: what the tables are created with. */
export interface CapacityOptions {
  billingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED'
  readCapacity?: number
  writeCapacity?: number
}

export function addCapacityOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--billing-mode <mode>',
        'capacity mode of every table and index (default PAY_PER_REQUEST)',
      ).choices(['PAY_PER_REQUEST', 'PROVISIONED']),
    )
    .option('--read-capacity <units>', 'PROVISIONED: read capacity units per table and index', integer(1))
    .option('--write-capacity <units>', 'PROVISIONED: write capacity units per table and index', integer(1))
}

/** A parser for an integer option within bounds; a bad value is a usage error (exit 2). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value)
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be an integer ≥ ${min}`
          : `must be an integer from ${min} to ${max}`,
      )
    }
    return n
  }
}

/**
 * The `StorageConfigInput` the options describe, validated (a bad value throws `ValidationError`,
 * which the CLI reports as bad usage). Options not given are left out, so the library defaults apply.
 */
export function storageConfig(
  options: ConnectionOptions & CapacityOptions & { layout?: LayoutName },
): StorageConfigInput {
  const backend: Record<string, unknown> = {
    layout: options.layout,
    tablePrefix: options.prefix,
    region: options.region,
    endpointUrl: options.endpoint,
    tableName: options.tableName,
    billingMode: options.billingMode,
    readCapacityUnits: options.readCapacity,
    writeCapacityUnits: options.writeCapacity,
  }
  for (const key of Object.keys(backend)) if (backend[key] === undefined) delete backend[key]
  const config = { backend } as StorageConfigInput
  parseStorageConfig(config)
  return config
}

/**
 * Runs `use` on a backend for the tables the options describe, and closes it afterwards. The
 * library is loaded here, not at the top: `--help` and the commands that send nothing start without it.
 */
export async function withBackend<T>(
  options: ConnectionOptions & CapacityOptions & { layout?: LayoutName },
  use: (backend: StorageBackend) => Promise<T>,
): Promise<T> {
  const config = storageConfig(options)
  const { createStorageBackend } = await import('../services/factory.js')
  const backend = createStorageBackend(config)
  try {
    return await use(backend)
  } finally {
    await backend.close()
  }
}

/** The physical table names a config's layout uses. */
export async function tableNames(config: StorageConfigInput): Promise<string[]> {
  const { tableDefinitions } = await import('../layout-tools/index.js')
  return tableDefinitions(config).map((d) => d.TableName!)
}
