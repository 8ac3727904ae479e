import type { Command } from 'commander'
import type { StorageConfigInput } from '../config.js'
import { ValidationError } from '../errors.js'
import {
  addConnectionOptions,
  addJsonOption,
  type ConnectionOptions,
  integer,
  type JsonOption,
  type LayoutName,
  layoutOption,
  storageConfig,
  tableNames,
} from './options.js'
import { describeError, usageError } from './output.js'

/** Options of commands that read one layout and write or compare another (migrate, verify). */
export interface SidesOptions extends ConnectionOptions {
  from: LayoutName
  to: LayoutName
  fromPrefix?: string
  toPrefix?: string
  fromTableName?: string
  toTableName?: string
}

export function addSidesOptions(command: Command): Command {
  command
    .addOption(layoutOption('--from <layout>', 'the source layout').makeOptionMandatory())
    .addOption(layoutOption('--to <layout>', 'the target layout').makeOptionMandatory())
  addConnectionOptions(command)
  return command
    .option('--from-prefix <prefix>', 'table prefix of the source (default --prefix)')
    .option('--to-prefix <prefix>', 'table prefix of the target (default --prefix)')
    .option('--from-table-name <name>', 'single-table source: its table name (default --table-name)')
    .option('--to-table-name <name>', 'single-table target: its table name (default --table-name)')
}

/** Options of the scans both commands run over every table. */
export interface ScanOptions {
  segments?: number
  progress: boolean
}

/** What migrate and verify are given: both sides, the scan options and `--json`. */
export type TwoSidedCommandOptions = SidesOptions & ScanOptions & JsonOption

/** The sides' options; `extra` adds a command's own ones before the scan options and `--json`. */
export function addTwoSidedOptions(
  command: Command,
  what: { tables: string; json: string },
  extra: (command: Command) => void = () => {},
): Command {
  addSidesOptions(command)
  extra(command)
  addScanOptions(command, what.tables)
  return addJsonOption(command, what.json)
}

/** `--segments <n>` (parallel Scan segments over `tables`) and `--no-progress`. */
export function addScanOptions(command: Command, tables: string): Command {
  return command
    .option('--segments <n>', `parallel Scan segments per ${tables}, 1-64 (default 4)`, integer(1, 64))
    .option('--no-progress', 'no progress bar or progress lines')
}

export interface Sides {
  source: StorageConfigInput
  target: StorageConfigInput
  sourceTables: string[]
  targetTables: string[]
}

/**
 * The source and target configs: same endpoint and region, each side's own prefix and table
 * name (defaulting to the shared ones; `--table-name` applies to a single-table side only). Sides
 * that share a table are bad usage.
 */
export async function resolveSides(options: SidesOptions): Promise<Sides> {
  const side = (which: 'from' | 'to', layout: LayoutName, prefix?: string, tableName?: string) => {
    try {
      return storageConfig({
        layout,
        prefix: prefix ?? options.prefix,
        region: options.region,
        endpoint: options.endpoint,
        tableName: tableName ?? (layout === 'single-table' ? options.tableName : undefined),
      })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const reason = describeError(error).line.replace(/^error: /, '')
      throw usageError(`${which === 'from' ? 'source' : 'target'} (--${which} ${layout}): ${reason}`)
    }
  }
  const source = side('from', options.from, options.fromPrefix, options.fromTableName)
  const target = side('to', options.to, options.toPrefix, options.toTableName)
  const [sourceTables, targetTables] = await Promise.all([tableNames(source), tableNames(target)])
  const shared = sourceTables.filter((name) => targetTables.includes(name))
  if (shared.length > 0) {
    throw usageError(
      `source and target share table ${shared.join(', ')}: give --to-prefix (or --to-table-name) so the target tables differ`,
    )
  }
  return { source, target, sourceTables, targetTables }
}

export function describeSide(layout: LayoutName, tables: string[]): string {
  return `${layout} (${tables.join(', ')})`
}
