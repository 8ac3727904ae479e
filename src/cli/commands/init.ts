import type { Command } from 'commander'
import {
  addCapacityOptions,
  addLayoutCommandOptions,
  type CapacityOptions,
  type LayoutCommandOptions,
  withBackend,
} from '../options.js'
import type { CliIO } from '../output.js'
import { reportHealth } from './health.js'

export function registerInit(program: Command, io: CliIO): Command {
  const command = program
    .command('init')
    .description(
      "create the layout's tables and indexes if missing, wait until ACTIVE, turn on TTL where the engine has it",
    )
  addLayoutCommandOptions(command, 'the health report after creation')
  addCapacityOptions(command)
  return command
    .addHelpText(
      'after',
      `
Safe to rerun: existing tables are left as they are. Prints the health report afterwards.
Exit codes: 0 created or already there, 1 failed (the reason on stderr), 2 bad usage.

Examples:
  $ ragcrawl-dynamodb init --layout single-table --prefix prod_ --region eu-west-1
  $ ragcrawl-dynamodb init --endpoint http://localhost:8000 --layout multi-table`,
    )
    .action(async (options: LayoutCommandOptions & CapacityOptions) => {
      await withBackend(options, async (backend) => {
        await backend.initialize()
        reportHealth(io, await backend.healthReport(), options)
      })
    })
}
