import { Command, CommanderError } from 'commander'
import packageJson from '../../package.json' with { type: 'json' }
import { registerDemo } from './commands/demo.js'
import { registerExport } from './commands/export.js'
import { registerHealth } from './commands/health.js'
import { registerIamPolicy } from './commands/iam-policy.js'
import { registerInit } from './commands/init.js'
import { registerMigrate } from './commands/migrate.js'
import { registerSchema } from './commands/schema.js'
import { registerStats } from './commands/stats.js'
import { registerVerify } from './commands/verify.js'
import { type CliIO, describeError, oneLine, processIO } from './output.js'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** The `ragcrawl-dynamodb` program; errors surface as exceptions (`exitOverride`), output through `io`. */
export function buildProgram(io: CliIO): Command {
  const program = new Command()
  // Settings first: subcommands copy them when created.
  program
    .name('ragcrawl-dynamodb')
    .description('DynamoDB storage layer of ragcrawl: create, check, inspect and migrate its tables')
    .version(packageJson.version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      // Only help shown as an error (`help <unknown>`) comes here: replaced by one line below.
      writeErr: () => {},
      // Written once, as one line, by runCli.
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
  registerDemo(program, io)
  registerInit(program, io)
  registerHealth(program, io)
  registerMigrate(program, io)
  registerVerify(program, io)
  registerSchema(program, io)
  registerIamPolicy(program, io)
  registerStats(program, io)
  registerExport(program, io)
  program.addHelpText(
    'after',
    `
Common options: --prefix, --region, --endpoint (http://localhost:8000, 'embedded', 'embedded:<dir>'),
--table-name (single-table), --json (machine-readable output on stdout).
Exit codes: 0 success; 1 failure, with exactly one line on stderr (the reason); 2 bad usage.

Example:
  $ ragcrawl-dynamodb init --layout multi-table --prefix prod_ --region eu-west-1
  $ ragcrawl-dynamodb <command> --help`,
  )
  return program
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code: 0
 * success, 1 failure (one line on stderr), 2 bad usage (one line on stderr).
 */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv.length === 0) {
    io.err("error: missing command (run 'ragcrawl-dynamodb --help' for the list)\n")
    return EXIT_USAGE
  }
  const program = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_OK // --help, --version
      io.err(
        error.code === 'commander.help'
          ? "error: no such command (run 'ragcrawl-dynamodb --help' for the list)\n"
          : `${oneLine(error.message)}\n`,
      )
      return EXIT_USAGE
    }
    const { line, exitCode } = describeError(error)
    io.err(`${line}\n`)
    return exitCode
  }
}
