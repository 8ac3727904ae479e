import type { Command } from 'commander'
import { Option } from 'commander'
import { parseStorageConfig } from '../../config.js'
import {
  addCapacityOptions,
  addLayoutCommandOptions,
  type CapacityOptions,
  type LayoutCommandOptions,
  storageConfig,
} from '../options.js'
import { type CliIO, printJson } from '../output.js'

type SchemaOptions = LayoutCommandOptions & CapacityOptions & { format: 'json' | 'cloudformation' }

export function registerSchema(program: Command, io: CliIO): Command {
  const command = program
    .command('schema')
    .description("print the layout's table definitions: CreateTable inputs, or a CloudFormation template")
    .addOption(
      new Option('--format <format>', 'json: the CreateTable inputs; cloudformation: a template')
        .choices(['json', 'cloudformation'])
        .default('json'),
    )
  addLayoutCommandOptions(command, 'the output (always JSON)', { endpoint: false })
  addCapacityOptions(command)
  return command
    .addHelpText(
      'after',
      `
--format json prints exactly tableDefinitions(config): what 'init' creates. --format cloudformation
prints a template with one AWS::DynamoDB::Table per table (TTL on the frontier's, DeletionPolicy Retain).
Sends no request.

Examples:
  $ ragcrawl-dynamodb schema --layout multi-table --prefix prod_
  $ ragcrawl-dynamodb schema --format cloudformation --prefix prod_ > ragcrawl-tables.json
  $ aws cloudformation deploy --stack-name ragcrawl-tables --template-file ragcrawl-tables.json`,
    )
    .action(async (options: SchemaOptions) => {
      const config = storageConfig(options)
      const { tableDefinitions } = await import('../../layout-tools/index.js')
      const definitions = tableDefinitions(config)
      if (options.format === 'json') {
        printJson(io, definitions)
        return
      }
      const { layoutFor } = await import('../../services/factory.js')
      const { cloudFormationTemplate } = await import('../cloudformation.js')
      const layout = layoutFor(config)
      await layout.transport.close() // never opened: the layout is asked for its TTL tables only
      const { backend } = parseStorageConfig(config)
      printJson(
        io,
        cloudFormationTemplate(definitions, {
          description: `ragcrawl-dynamodb ${backend.layout} layout (tables ${definitions.map((d) => d.TableName).join(', ')})`,
          ttlTables: layout.tables.ttlTables,
          ttlAttribute: layout.tables.ttlAttribute,
          tablePrefix: backend.tablePrefix,
        }),
      )
    })
}
