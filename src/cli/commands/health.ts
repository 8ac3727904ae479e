import type { Command } from 'commander'
import type { HealthReport } from '../../services/contract.js'
import { addLayoutCommandOptions, type LayoutCommandOptions, withBackend } from '../options.js'
import { type CliIO, failure, printJson, printRows } from '../output.js'

export function registerHealth(program: Command, io: CliIO): Command {
  const command = program
    .command('health')
    .description("check that every table of the layout exists, is ACTIVE and answers; exit 1 when it doesn't")
  return addLayoutCommandOptions(command, 'the health report')
    .addHelpText(
      'after',
      `
Exit codes: 0 healthy, 1 unhealthy (the reason on stderr), 2 bad usage.

Example:
  $ ragcrawl-dynamodb health --layout multi-table --prefix prod_ --region eu-west-1
  $ ragcrawl-dynamodb health --endpoint http://localhost:8000 --json`,
    )
    .action(async (options: LayoutCommandOptions) => {
      await withBackend(options, async (backend) => reportHealth(io, await backend.healthReport(), options))
    })
}

/** The report as JSON or as lines; a failure (exit 1) when it is not ok. */
export function reportHealth(io: CliIO, report: HealthReport, options: { json?: boolean }): void {
  if (options.json) printJson(io, report)
  else printHealth(io, report)
  if (!report.ok) throw failure(unhealthyReason(report))
}

/** The report, one line per fact. */
export function printHealth(io: CliIO, report: HealthReport): void {
  const rows: [string, string][] = [
    ['status', report.ok ? 'healthy' : 'unhealthy'],
    ['layout', report.layout],
    ['endpoint', report.endpoint],
  ]
  for (const table of report.tables) {
    const state = table.exists
      ? (table.status ?? 'exists')
      : table.error
        ? `error: ${table.error}`
        : 'missing'
    rows.push(['table', `${table.name}  ${state}`])
  }
  if (report.capabilities) {
    const yes = (b: boolean) => (b ? 'yes' : 'no')
    rows.push([
      'capabilities',
      `transactions ${yes(report.capabilities.transactions)}, TTL API ${yes(report.capabilities.timeToLive)}, PartiQL batches ${yes(report.capabilities.partiql)}`,
    ])
  }
  if (report.error) rows.push(['error', report.error])
  rows.push(['latency', `${report.latencyMs} ms`])
  printRows(io, rows)
}

/** Why a report is not ok, in one line. */
export function unhealthyReason(report: HealthReport): string {
  const reasons = report.tables
    .filter((t) => !(t.exists && t.status === 'ACTIVE'))
    .map((t) =>
      t.error
        ? `table ${t.name}: ${t.error}`
        : t.exists
          ? `table ${t.name} is ${t.status ?? 'not ACTIVE'}`
          : `table ${t.name} missing`,
    )
  if (report.error) reasons.unshift(report.error)
  const hint = report.tables.some((t) => !t.exists && !t.error) ? " (run 'ragcrawl-dynamodb init')" : ''
  return `unhealthy ${report.layout} layout at ${report.endpoint}: ${reasons.join('; ') || 'unknown reason'}${hint}`
}
