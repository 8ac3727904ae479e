#!/usr/bin/env node
import { runCli } from './program.js'

// The SDK's multi-line notice about future Node versions would break "one line on stderr".
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

runCli(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`error: ${String((error as Error)?.message ?? error).split('\n')[0]}\n`)
  exit(1)
})

/** Exits once stdout and stderr are flushed (a pipe may still hold the JSON report). */
function exit(code: number): void {
  process.exitCode = code
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}
