#!/usr/bin/env node
import { Command } from 'commander'
import { runDemo } from '../demo/run-demo.js'

const program = new Command()
program.name('ragcrawl-dynamodb').description('DynamoDB storage layer of ragcrawl').showHelpAfterError()

program
  .command('demo')
  .description('seed a synthetic crawl on the embedded engine and print what each access pattern costs')
  .option('--pages <n>', 'pages to seed', (v) => Number.parseInt(v, 10), 1000)
  .addHelpText('after', '\nExample:\n  $ ragcrawl-dynamodb demo --pages 500')
  .action(async (options: { pages: number }) => {
    await runDemo({ pages: options.pages })
  })

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.message ?? String(error)}\n`)
  process.exit(1)
})
