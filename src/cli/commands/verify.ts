import type { Command } from 'commander'
import type { VerifyReport } from '../../layout-tools/index.js'
import { connect, countingScans, withClient } from '../connection.js'
import { type CliIO, failure, formatDuration, printJson, printTable } from '../output.js'
import { ProgressReporter, progressSilenced, withProgress } from '../progress.js'
import { addTwoSidedOptions, describeSide, resolveSides, type TwoSidedCommandOptions } from '../sides.js'

type VerifyCommandOptions = TwoSidedCommandOptions

const LISTED = 20

export function registerVerify(program: Command, io: CliIO): Command {
  const command = program
    .command('verify')
    .description('compare two layouts record by record: per-table counts and a digest of every record')
  return addTwoSidedOptions(command, { tables: 'table', json: 'the verification report' })
    .addHelpText(
      'after',
      `
Reads both sides in full (Scan); writes nothing. Exit codes: 0 every count and digest matches,
1 they differ or a side cannot be read (the reason on stderr), 2 bad usage.

Example:
  $ ragcrawl-dynamodb verify --from single-table --to multi-table --prefix prod_`,
    )
    .action(async (options: VerifyCommandOptions) => {
      const sides = await resolveSides(options)
      const { verifyLayouts } = await import('../../layout-tools/index.js')
      const connection = await connect(options)
      const progress = new ProgressReporter(io, 'verify', { silent: progressSilenced(io, options) })
      const counts = {
        items: 0,
        segmentsDone: 0,
        segmentsTotal: (sides.sourceTables.length + sides.targetTables.length) * (options.segments ?? 4),
      }
      const client = countingScans(connection.client, (items, finished) => {
        counts.items += items
        if (finished) counts.segmentsDone++
        progress.update(counts)
      })
      const interrupted = () => 'error: verify interrupted'
      const report = await withProgress(io, { progress, connection, interrupted }, () =>
        verifyLayouts({
          source: withClient(sides.source, client),
          target: withClient(sides.target, client),
          segments: options.segments,
        }),
      )
      if (options.json) printJson(io, report)
      else {
        printTable(
          io,
          ['table', 'source', 'target', 'matched'],
          Object.entries(report.tables).map(([table, c]) => [table, c.source, c.target, c.matched]),
        )
        for (const d of report.differences.slice(0, LISTED)) io.out(`  ${d.kind} ${d.table} ${d.key}\n`)
        for (const i of report.invalid.slice(0, LISTED))
          io.out(`  invalid in ${i.side} ${i.table}: ${i.reason}\n`)
        if (report.differences.length > LISTED || report.invalid.length > LISTED)
          io.out('  … (--json lists them all)\n')
        if (report.ok)
          io.out(
            `${describeSide(options.from, sides.sourceTables)} and ${describeSide(options.to, sides.targetTables)} match (${formatDuration(report.durationMs)})\n`,
          )
      }
      if (report.error) throw failure(`verify failed: ${report.error}`)
      if (!report.ok) throw failure(`layouts differ: ${summarize(report)}`)
    })
}

function summarize(report: VerifyReport): string {
  const byKind = new Map<string, number>()
  for (const d of report.differences) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1)
  const parts = [...byKind].map(([kind, n]) => `${n} ${kind}`)
  if (report.invalid.length > 0) parts.push(`${report.invalid.length} invalid`)
  return parts.join(', ') || 'unknown difference'
}
