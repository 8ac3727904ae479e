import { type CliIO, formatCount, formatDuration } from './output.js'

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
}

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

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    options: ProgressOptions = {},
  ) {
    this.started = io.now()
    this.tty = options.tty ?? io.errIsTTY
    this.silent = options.silent ?? false
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
      this.io.err(`\r${formatBar(this.label, counts, now - this.started)}\x1b[K`)
      this.drawn = true
    } else {
      this.io.out(`${formatLine(this.label, counts, now - this.started)}\n`)
    }
  }

  /** Erases the bar, so what follows (the summary, or the one failure line) starts clean. */
  finish(): void {
    if (this.drawn) this.io.err('\r\x1b[K')
    this.drawn = false
  }
}

export function rate(items: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (items * 1_000) / elapsedMs : 0
}

/** Time left, extrapolated from the fraction of segments done; undefined before the first one. */
export function eta(counts: ProgressCounts, elapsedMs: number): number | undefined {
  if (counts.segmentsDone <= 0 || counts.segmentsTotal <= 0) return undefined
  const fraction = Math.min(1, counts.segmentsDone / counts.segmentsTotal)
  return (elapsedMs * (1 - fraction)) / fraction
}

export function formatBar(label: string, counts: ProgressCounts, elapsedMs: number): string {
  const fraction = counts.segmentsTotal > 0 ? Math.min(1, counts.segmentsDone / counts.segmentsTotal) : 0
  const filled = Math.round(fraction * BAR_WIDTH)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
  return `${label} ${bar} ${describe(counts, elapsedMs)}`
}

export function formatLine(label: string, counts: ProgressCounts, elapsedMs: number): string {
  return `${label}: ${describe(counts, elapsedMs)}`
}

function describe(counts: ProgressCounts, elapsedMs: number): string {
  const left = eta(counts, elapsedMs)
  return [
    `${counts.segmentsDone}/${counts.segmentsTotal} segments`,
    `${formatCount(counts.items)} items`,
    `${formatCount(Math.round(rate(counts.items, elapsedMs)))} items/s`,
    `ETA ${left === undefined ? '?' : formatDuration(left)}`,
  ].join('  ')
}
