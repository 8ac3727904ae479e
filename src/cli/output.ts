import { ValidationError } from '../errors.js'

/** Where the CLI writes: stdout for results, stderr for the failure reason and the progress bar. */
export interface CliIO {
  out(text: string): void
  err(text: string): void
  /** Whether stderr is a terminal (progress bar) or not (plain progress lines). */
  errIsTTY: boolean
  now(): number
}

export function processIO(): CliIO {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTTY: process.stderr.isTTY === true,
    now: () => Date.now(),
  }
}

/** A failure the CLI reports as one line on stderr: exit 1 (it failed) or 2 (bad usage). */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message)
    this.name = 'CliFailure'
  }
}

/** The command ran and failed (unhealthy, layouts differ, migration stopped, site unknown). */
export const failure = (message: string) => new CliFailure(message, 1)
/** The command line is wrong (bad value, contradictory options). */
export const usageError = (message: string) => new CliFailure(message, 2)

/** Collapses a message to one line: no stack, no newline inside. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

/** The option a config path comes from, so a `ValidationError` names what the user typed. */
const OPTION_FOR_PATH: Record<string, string> = {
  'backend.tablePrefix': '--prefix',
  'backend.region': '--region',
  'backend.endpointUrl': '--endpoint',
  'backend.layout': '--layout',
  'backend.tableName': '--table-name',
  'backend.billingMode': '--billing-mode',
  'backend.readCapacityUnits': '--read-capacity',
  'backend.writeCapacityUnits': '--write-capacity',
  accountId: '--account',
}

/** The one stderr line for an error, and its exit code: 2 for bad usage, 1 otherwise. */
export function describeError(error: unknown): { line: string; exitCode: 1 | 2 } {
  if (error instanceof CliFailure)
    return { line: `error: ${oneLine(error.message)}`, exitCode: error.exitCode }
  if (error instanceof ValidationError) {
    const issues = error.issues.map((i) => `${OPTION_FOR_PATH[i.path] ?? (i.path || 'input')} ${i.message}`)
    return { line: `error: ${oneLine(issues.join('; '))}`, exitCode: 2 }
  }
  const message = (error as Error)?.message ?? String(error)
  return { line: `error: ${oneLine(message) || 'unknown error'}`, exitCode: 1 }
}

/** Machine-readable output: one JSON document on stdout. */
export function printJson(io: CliIO, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`)
}

/** Left-aligned `label  value` rows for human output. */
export function printRows(io: CliIO, rows: [string, string][]): void {
  const width = Math.max(0, ...rows.map(([label]) => label.length))
  for (const [label, value] of rows) io.out(`${label.padEnd(width)}  ${value}\n`)
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  const seconds = ms / 1_000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

export const formatCount = (n: number) => n.toLocaleString('en-US')

/** A table of right-aligned numbers under a header, first column left-aligned. */
export function printTable(io: CliIO, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map((c) => (typeof c === 'number' ? formatCount(c) : c)))]
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)))
  for (const row of cells) {
    io.out(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`)
  }
}

/**
 * While long work runs: on Ctrl-C (or SIGTERM), `cleanup` (erase the progress bar), one line on
 * stderr, and exit 128 + the signal number. Returns the function that removes the handlers.
 */
export function onInterrupt(io: CliIO, line: () => string, cleanup: () => void = () => {}): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      cleanup()
      io.err(`${line()}\n`)
      const code = signal === 'SIGINT' ? 130 : 143
      process.stderr.write('', () => process.exit(code))
    }
    process.once(signal, handler)
    return [signal, handler] as const
  })
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}
