import { migrateLayout } from '../../src/index.js'
import { assertLoopbackEndpoint } from '../../src/testing/index.js'

/**
 * One migration in its own process, for kill tests:
 *   node --import tsx test/support/migrate-child.ts <endpoint> <from-layout> <from-prefix> <to-layout> <to-prefix> <checkpoint> [segments]
 * Prints the report as one JSON line; exit code 0 when it completed, 1 otherwise, 2 on bad usage.
 */
const [endpoint, from, fromPrefix, to, toPrefix, checkpoint, segments = '4'] = process.argv.slice(2)
const layouts = ['single-table', 'multi-table'] as const
type Layout = (typeof layouts)[number]
const isLayout = (value: string | undefined): value is Layout => layouts.includes(value as Layout)
if (!endpoint || !isLayout(from) || !fromPrefix || !isLayout(to) || !toPrefix || !checkpoint) {
  process.stderr.write(
    'usage: migrate-child.ts <endpoint> <from-layout> <from-prefix> <to-layout> <to-prefix> <checkpoint> [segments]\n',
  )
  process.exit(2)
}
assertLoopbackEndpoint(endpoint)
const report = await migrateLayout({
  source: { backend: { endpointUrl: endpoint, layout: from, tablePrefix: fromPrefix } },
  target: { backend: { endpointUrl: endpoint, layout: to, tablePrefix: toPrefix } },
  checkpoint,
  segments: Number(segments),
})
process.stdout.write(`${JSON.stringify(report)}\n`)
process.exit(report.ok ? 0 : 1)
