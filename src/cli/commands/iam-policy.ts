import type { Command } from 'commander'
import { addLayoutCommandOptions, type LayoutCommandOptions, storageConfig } from '../options.js'
import { type CliIO, printJson } from '../output.js'

type IamPolicyCommandOptions = LayoutCommandOptions & { account?: string; migrationSource?: boolean }

export function registerIamPolicy(program: Command, io: CliIO): Command {
  const command = program
    .command('iam-policy')
    .description("print a least-privilege IAM policy document for the layout's tables (JSON)")
    .option('--account <id>', "12-digit AWS account id in the ARNs (default '*')")
    .option(
      '--migration-source',
      'grant only what a migration reads from these tables (MIGRATION_SOURCE_OPERATIONS), for the source side',
    )
  addLayoutCommandOptions(command, 'the policy (always JSON)', { endpoint: false })
  return command
    .addHelpText(
      'after',
      `
The policy allows exactly the operations the layout sends, on its tables and their indexes, in --region.

Examples:
  $ ragcrawl-dynamodb iam-policy --layout multi-table --prefix prod_ --region eu-west-1 --account 123456789012
  $ ragcrawl-dynamodb iam-policy --layout single-table --prefix prod_ --migration-source   # a migration's source`,
    )
    .action(async (options: IamPolicyCommandOptions) => {
      const config = storageConfig(options)
      const { iamPolicy, MIGRATION_SOURCE_OPERATIONS } = await import('../../layout-tools/index.js')
      printJson(
        io,
        iamPolicy(config, {
          accountId: options.account,
          operations: options.migrationSource ? MIGRATION_SOURCE_OPERATIONS : undefined,
        }),
      )
    })
}
