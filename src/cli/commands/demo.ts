import type { Command } from 'commander'
import { addJsonOption, integer, type JsonOption, type LayoutName, layoutOption } from '../options.js'
import { type CliIO, printJson } from '../output.js'

type DemoCommandOptions = JsonOption & { pages: number; layout?: LayoutName }

export function registerDemo(program: Command, io: CliIO): Command {
  const command = program
    .command('demo')
    .description('seed a synthetic crawl on the embedded engine and print what each access pattern costs')
    .option('--pages <n>', 'pages to seed', integer(1, 1_000_000), 1000)
    .addOption(layoutOption('--layout <layout>', 'only this layout (default: both, side by side)'))
  addJsonOption(command, 'the cost of every access pattern')
  return command
    .addHelpText(
      'after',
      `
Needs no AWS account: everything runs in process (dynalite, in memory).

Examples:
  $ ragcrawl-dynamodb demo --pages 500
  $ ragcrawl-dynamodb demo --layout multi-table --json`,
    )
    .action(async (options: DemoCommandOptions) => {
      const { runDemo } = await import('../../demo/run-demo.js')
      const results = await runDemo({
        pages: options.pages,
        layouts: options.layout ? [options.layout] : undefined,
        print: options.json ? () => {} : (line) => io.out(`${line}\n`),
      })
      if (options.json) printJson(io, results)
    })
}
