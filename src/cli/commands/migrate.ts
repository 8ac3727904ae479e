import type { Command } from 'commander'
import { connect, withClient } from '../connection.js'
import { type CliIO, failure, formatDuration, printJson, printTable } from '../output.js'
import { type Baseline, ProgressReporter, progressSilenced, withProgress } from '../progress.js'
import { addTwoSidedOptions, describeSide, resolveSides, type TwoSidedCommandOptions } from '../sides.js'

type MigrateCommandOptions = TwoSidedCommandOptions & { checkpoint?: string; dryRun?: boolean }

export function registerMigrate(program: Command, io: CliIO): Command {
  const command = program
    .command('migrate')
    .description(
      'copy every record of one layout to the other: parallel Scan, validated, idempotent, resumable',
    )
  return addTwoSidedOptions(command, { tables: 'source table', json: 'the migration report' }, (c) =>
    c
      .option(
        '--checkpoint <file>',
        'save progress here; a rerun with the same file resumes where it stopped',
      )
      .option('--dry-run', 'read and validate the source only; write nothing'),
  )
    .addHelpText(
      'after',
      `
Source and target share --endpoint and --region; the target's tables are created if missing. Every
stored field is copied as is (revisions, timestamps, leases). Progress: a bar on stderr on a terminal,
otherwise a line on stdout at most once per second. Exit codes: 0 completed, 1 stopped (the reason on
stderr; rerun with the same --checkpoint to resume), 2 bad usage.

Examples:
  $ ragcrawl-dynamodb migrate --from single-table --to multi-table --prefix prod_ --dry-run
  $ ragcrawl-dynamodb migrate --from single-table --to multi-table --prefix prod_ \\
      --checkpoint ./migrate-prod.json --segments 8
  $ ragcrawl-dynamodb migrate --from multi-table --to single-table --from-prefix old_ --to-prefix new_`,
    )
    .action(async (options: MigrateCommandOptions) => {
      const sides = await resolveSides(options)
      const { migrateLayout } = await import('../../layout-tools/index.js')
      const connection = await connect(options)
      const progress = new ProgressReporter(io, options.dryRun ? 'dry run' : 'migrate', {
        silent: progressSilenced(io, options),
        baseline: options.checkpoint ? await resumedFrom(options.checkpoint) : undefined,
      })
      const resume = options.checkpoint ? `; rerun with --checkpoint ${options.checkpoint} to resume` : ''
      const interrupted = () =>
        `error: migration interrupted${resume || '; nothing saved to resume from (no --checkpoint)'}`
      const report = await withProgress(io, { progress, connection, interrupted }, () =>
        migrateLayout({
          source: withClient(sides.source, connection.client),
          target: withClient(sides.target, connection.client),
          checkpoint: options.checkpoint,
          dryRun: options.dryRun,
          segments: options.segments,
          onProgress: (p) =>
            progress.update({
              items: Object.values(p.tables).reduce((sum, c) => sum + c.read + c.skipped, 0),
              segmentsDone: p.segmentsDone,
              segmentsTotal: p.segmentsTotal,
            }),
        }),
      )
      if (options.json) printJson(io, report)
      else {
        printTable(
          io,
          ['table', 'read', 'written', 'skipped', 'failed'],
          Object.entries(report.tables).map(([table, c]) => [table, c.read, c.written, c.skipped, c.failed]),
        )
        if (report.invalid.length > 0) {
          io.out(`invalid source items (not copied): ${report.invalid.length}\n`)
          for (const item of report.invalid.slice(0, 10))
            io.out(`  ${item.table} ${JSON.stringify(item.key)}: ${item.reason}\n`)
          if (report.invalid.length > 10) io.out('  … (--json lists them all)\n')
        }
        const from = describeSide(options.from, sides.sourceTables)
        const to = describeSide(options.to, sides.targetTables)
        const checkpoint = report.checkpoint ? `; checkpoint ${report.checkpoint}` : ''
        if (!report.error) {
          io.out(
            report.dryRun
              ? `dry run: read and validated ${from} in ${formatDuration(report.durationMs)}; nothing written\n`
              : `migrated ${from} → ${to} in ${formatDuration(report.durationMs)}${checkpoint}\n`,
          )
        }
      }
      if (report.error) throw failure(`migration stopped: ${report.error}${resume}`)
    })
}

/** What a checkpoint says is done already, so a resumed run's rate and ETA count its own work only. */
async function resumedFrom(path: string): Promise<Baseline | undefined> {
  const { loadCheckpoint } = await import('../../layout-tools/checkpoint.js')
  const saved = await loadCheckpoint(path).catch(() => undefined) // a bad file: migrateLayout reports it
  if (!saved) return undefined
  return {
    items: Object.values(saved.counts ?? {}).reduce((sum, c) => sum + c.read + c.skipped, 0),
    segmentsDone: Object.values(saved.positions ?? {})
      .flat()
      .filter((p) => p === 'done').length,
  }
}
