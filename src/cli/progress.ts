import type { SharedConnection } from './connection.js'
import { type CliIO, formatCount, formatDuration, onInterrupt } from './output.js'

export interface ProgressCounts {
  /** Items processed so far (the total is unknown up front). */
  items: number
  /** Scan segments finished, of all: the fraction of the work done. */
  segmentsDone: number
  segmentsTotal: number
}

export interface ProgressOptions {
  /** A bar redrawn in place on stderr (a terminal), or plain lines on stdout; default from `io`. */
  tty?: boolean
  /** Nothing at all (`--no-progress`, or `--json` off a terminal so stdout stays one JSON document). */
  silent?: boolean
  /** Work done by an earlier run (a resumed checkpoint): counted, but not in the rate or the ETA. */
  baseline?: Baseline
}

/** `--no-progress`, or `--json` off a terminal (stdout stays one JSON document): no progress at all. */
export function progressSilenced(io: CliIO, options: { progress: boolean; json?: boolean }): boolean {
  return !options.progress || (options.json === true && !io.errIsTTY)
}

/**
 * Long work over a shared connection (migrate, verify): a signal finishes the bar, prints
 * `interrupted()` and exits; however `work` ends, the bar is finished and the connection closed.
 */
export async function withProgress<T>(
  io: CliIO,
  {
    progress,
    connection,
    interrupted,
  }: { progress: ProgressReporter; connection: SharedConnection; interrupted: () => string },
  work: () => Promise<T>,
): Promise<T> {
  const stopListening = onInterrupt(io, interrupted, () => progress.finish())
  try {
    return await work()
  } finally {
    stopListening()
    progress.finish()
    await connection.close()
  }
}

export interface Baseline {
  items: number
  segmentsDone: number
}

const NO_BASELINE: Baseline = { items: 0, segmentsDone: 0 }

const BAR_WIDTH = 24
const REDRAW_MS = 100
const LINE_MS = 1_000

/**
 * Progress of long work (migrate, verify). On a terminal: one bar on stderr, redrawn with `\r`
 * (items, items/s, segments done/total as the fraction, ETA from that fraction) and erased when
 * done. Elsewhere: a plain line on stdout at most once per second, so logs stay readable and
 * stderr keeps only the failure reason.
 */
export class ProgressReporter {
  private readonly started: number
  private last = 0
  private drawn = false
  private readonly tty: boolean
  private readonly silent: boolean
  private readonly baseline: Baseline

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.started = io.now()
    this.tty = options.tty ?? io.errIsTTY
    this.silent = options.silent ?? false
    this.baseline = options.baseline ?? NO_BASELINE
    // Plain lines start after a second: a quick run prints none.
    this.last = this.tty ? Number.NEGATIVE_INFINITY : this.started
  }

  update(counts: ProgressCounts): void {
    if (this.silent) return
    const now = this.io.now()
    const finished = counts.segmentsTotal > 0 && counts.segmentsDone >= counts.segmentsTotal
    if (now - this.last < (this.tty ? REDRAW_MS : LINE_MS) && !(this.tty && finished)) return
    this.last = now
    if (this.tty) {
      this.io.err(`\r${formatBar(this.label, counts, now - this.started, this.baseline)}\x1b[K`)
      this.drawn = true
    } else {
      this.io.out(`${formatLine(this.label, counts, now - this.started, this.baseline)}\n`)
    }
  }

  /** Erases the bar, so what follows (the summary, or the one failure line) starts clean. */
  finish(): void {
    if (this.drawn) this.io.err('\r\x1b[K')
    this.drawn = false
  }
}

/** Items per second of this run. */
export function rate(counts: ProgressCounts, elapsedMs: number, baseline = NO_BASELINE): number {
  return elapsedMs > 0 ? ((counts.items - baseline.items) * 1_000) / elapsedMs : 0
}

/**
 * Time left, extrapolated from the segments this run finished: undefined before the first. A
 * rough figure: segments are not equal in size, but the total is unknown up front.
 */
export function eta(counts: ProgressCounts, elapsedMs: number, baseline = NO_BASELINE): number | undefined {
  const done = counts.segmentsDone - baseline.segmentsDone
  if (done <= 0 || counts.segmentsTotal <= 0) return undefined
  return (elapsedMs * Math.max(0, counts.segmentsTotal - counts.segmentsDone)) / done
}

export function formatBar(
  label: string,
  counts: ProgressCounts,
  elapsedMs: number,
  baseline = NO_BASELINE,
): string {
  const fraction = counts.segmentsTotal > 0 ? Math.min(1, counts.segmentsDone / counts.segmentsTotal) : 0
  const filled = Math.round(fraction * BAR_WIDTH)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
  return `${label} ${bar} ${describe(counts, elapsedMs, baseline)}`
}

export function formatLine(
  label: string,
  counts: ProgressCounts,
  elapsedMs: number,
  baseline = NO_BASELINE,
): string {
  return `${label}: ${describe(counts, elapsedMs, baseline)}`
}

function describe(counts: ProgressCounts, elapsedMs: number, baseline: Baseline): string {
  const left = eta(counts, elapsedMs, baseline)
  return [
    `${counts.segmentsDone}/${counts.segmentsTotal} segments`,
    `${formatCount(counts.items)} items`,
    `${formatCount(Math.round(rate(counts, elapsedMs, baseline)))} items/s`,
    `ETA ${left === undefined ? '?' : formatDuration(left)}`,
  ].join('  ')
}
