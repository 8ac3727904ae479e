import { z } from 'zod'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { IdSchema } from '../model/ids.js'
import type { FrontierItem } from '../model/schemas.js'
import { validate } from '../model/validate.js'
import type { StorageBackend } from '../services/contract.js'
import { SignalSchema } from '../services/options.js'

export const ProcessFrontierOptionsSchema = z.strictObject({
  /** This worker's id: the lease holder of what it claims. */
  workerId: IdSchema,
  /** Handlers running at once; default 1. */
  concurrency: z.number().int().min(1).max(1000).default(1),
  /** Lease of each claimed item, renewed while its handler runs; default 300. */
  leaseSeconds: z.number().min(1).default(300),
  /** Passed to every claim: no two items of a domain claimed less than this apart. */
  domainIntervalMs: z.number().int().nonnegative().optional(),
  /** Stops the loop (see `processFrontier`). */
  signal: SignalSchema.optional(),
  /** Longest wait between claims when nothing is claimable yet; default 1000. */
  maxPollIntervalMs: z.number().int().min(1).default(1_000),
})

export type ProcessFrontierOptions = z.input<typeof ProcessFrontierOptionsSchema>

/** What a handler gets besides the item: a signal aborted when the loop stops or the lease is lost. */
export interface FrontierHandlerContext {
  signal: AbortSignal
}

export type FrontierHandler = (item: FrontierItem, context: FrontierHandlerContext) => unknown

export interface ProcessFrontierResult {
  /** Items claimed and handed to the handler. */
  claimed: number
  /** Handled and marked `completed`. */
  completed: number
  /** The handler threw; the item went back to pending, scheduled by the retry backoff. */
  retried: number
  /** The handler threw past `frontierMaxRetries`; the item is `failed`. */
  failed: number
  /** The handler threw after the stop signal: the item was given back (pending), no attempt counted. */
  released: number
  /** The lease was lost (another worker holds the item now): nothing was written for it. */
  lost: number
  /** Outcomes that could not be written, sent again too (the item returns when its lease ends). */
  errors: number
  /** Why the loop ended: the signal, or the run's queue drained (nothing pending, nothing in progress). */
  stoppedBy: 'signal' | 'drained'
}

const FIRST_POLL_MS = 25
/** Sends of an item's outcome at most (after the SDK's own retries), and the pause between them. */
const SETTLE_ATTEMPTS = 3
const SETTLE_BACKOFF_MS = 100

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A worker of a distributed crawl: claims items of `runId` (up to `concurrency` handlers in
 * flight), runs `handler(item, { signal })` on each, renews the item's lease every third of
 * `leaseSeconds` while the handler runs, marks it `completed` when the handler returns, and
 * `retryFrontierItem`s it with the thrown error's message when it throws. When nothing is
 * claimable but items are still pending (scheduled for later, or held back) or in progress
 * elsewhere, it polls with a backoff up to `maxPollIntervalMs`.
 *
 * It returns its counts when the run's queue is drained — no item pending (due or scheduled) and
 * none in progress, seen twice a poll apart — or when `signal` aborts. On abort it claims nothing
 * more and aborts the handlers' signals, then waits for running handlers to settle: one that
 * returns is completed, one that throws gives its item back (pending, no attempt counted), so a
 * stopped worker leaves nothing leased. Storage calls already under way finish (they are not sent
 * the signal). A claim or listing that fails (after the SDK's retries) stops the loop as an abort
 * does, then rejects the call with that error.
 */
export async function processFrontier(
  backend: StorageBackend,
  runId: string,
  handler: FrontierHandler,
  options: ProcessFrontierOptions,
): Promise<ProcessFrontierResult> {
  const run = validate(IdSchema, runId, 'runId')
  if (typeof handler !== 'function') {
    throw new ValidationError([{ path: 'handler', message: 'must be a function' }])
  }
  const parsed = validate(ProcessFrontierOptionsSchema, options, 'options')
  return new FrontierWorker(backend, run, handler, parsed).run()
}

type Parsed = z.output<typeof ProcessFrontierOptionsSchema>

class FrontierWorker {
  private readonly counts: Omit<ProcessFrontierResult, 'stoppedBy'> = {
    claimed: 0,
    completed: 0,
    retried: 0,
    failed: 0,
    released: 0,
    lost: 0,
    errors: 0,
  }
  private readonly running = new Set<Promise<void>>()
  /** Aborted when the loop stops: every handler's signal follows it. */
  private readonly stopping = new AbortController()
  private wake: (() => void) | undefined

  constructor(
    private readonly backend: StorageBackend,
    private readonly runId: string,
    private readonly handler: FrontierHandler,
    private readonly options: Parsed,
  ) {}

  async run(): Promise<ProcessFrontierResult> {
    const { signal } = this.options
    const onAbort = () => {
      this.stopping.abort(signal?.reason)
      this.wake?.()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    let stoppedBy: ProcessFrontierResult['stoppedBy'] = 'signal'
    try {
      stoppedBy = await this.loop()
    } finally {
      signal?.removeEventListener('abort', onAbort)
      if (!this.stopping.signal.aborted) this.stopping.abort()
      await Promise.all(this.running)
    }
    return { ...this.counts, stoppedBy }
  }

  private async loop(): Promise<ProcessFrontierResult['stoppedBy']> {
    let pollMs = FIRST_POLL_MS
    let drainedOnce = false
    while (!this.stopping.signal.aborted) {
      const free = this.options.concurrency - this.running.size
      if (free > 0) {
        const claimed = await this.claim(Math.min(free, 100))
        if (this.stopping.signal.aborted && claimed.length === 0) break
        for (const item of claimed) this.start(item)
        if (claimed.length > 0) {
          pollMs = FIRST_POLL_MS
          drainedOnce = false
          continue
        }
        if (this.running.size === 0) {
          if (await this.drained()) {
            if (drainedOnce) return 'drained'
            drainedOnce = true
          } else {
            drainedOnce = false
          }
        }
      }
      // Wait for a handler to finish (it may have enqueued more), the poll delay, or the signal.
      await this.idle(free > 0 ? pollMs : undefined)
      if (free > 0) pollMs = Math.min(pollMs * 2, this.options.maxPollIntervalMs)
    }
    return 'signal'
  }

  private claim(limit: number): Promise<FrontierItem[]> {
    const { workerId, leaseSeconds, domainIntervalMs } = this.options
    return this.backend.claimFrontierItems(this.runId, {
      workerId,
      limit,
      leaseSeconds,
      ...(domainIntervalMs === undefined ? {} : { domainIntervalMs }),
    })
  }

  /** Nothing pending (due or scheduled) and nothing in progress in the whole run. */
  private async drained(): Promise<boolean> {
    for (const status of ['pending', 'in_progress'] as const) {
      const { items } = await this.backend.getFrontierItems(this.runId, { status, limit: 1 })
      if (items.length > 0) return false
    }
    return true
  }

  private idle(ms: number | undefined): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms)
      const running = [...this.running]
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = done
      for (const task of running) task.then(done, done)
    }).finally(() => {
      this.wake = undefined
    })
  }

  private start(item: FrontierItem): void {
    this.counts.claimed++
    const task = this.handle(item).finally(() => {
      this.running.delete(task)
    })
    this.running.add(task)
  }

  /** One item: the handler under a renewed lease, then its outcome written. Never rejects. */
  private async handle(item: FrontierItem): Promise<void> {
    // Claimed while the loop was stopping: given back unhandled.
    if (this.stopping.signal.aborted) return this.settle(item, { ok: false, error: undefined })
    const lease = new AbortController()
    const stop = () => lease.abort(this.stopping.signal.reason)
    this.stopping.signal.addEventListener('abort', stop, { once: true })
    const renewal = this.renewLease(item, lease)
    let outcome: { ok: true } | { ok: false; error: unknown }
    try {
      await this.handler(item, { signal: lease.signal })
      outcome = { ok: true }
    } catch (error) {
      outcome = { ok: false, error }
    } finally {
      renewal.stop()
      this.stopping.signal.removeEventListener('abort', stop)
    }
    if (renewal.lost()) {
      this.counts.lost++
      return
    }
    await this.settle(item, outcome)
  }

  /**
   * Writes the outcome: completed, given back, or retried. A write that failed for another reason
   * than the lease (a lost answer, throttling past the SDK's retries) is sent again, up to
   * `SETTLE_ATTEMPTS` times: the backend recognises the owner's resend of a completion or a retry
   * and answers it as the first delivery, so an outcome is never applied or counted twice.
   */
  private async settle(item: FrontierItem, outcome: { ok: true } | { ok: false; error: unknown }) {
    const { workerId } = this.options
    const write = async () => {
      if (outcome.ok) {
        await this.backend.updateFrontierStatus(this.runId, item.itemId, 'completed', { workerId })
        return 'completed' as const
      }
      if (this.stopping.signal.aborted) {
        await this.backend.updateFrontierStatus(this.runId, item.itemId, 'pending', { workerId })
        return 'released' as const
      }
      const retried = await this.backend.retryFrontierItem(this.runId, item.itemId, {
        workerId,
        error: messageOf(outcome.error),
      })
      return retried.status === 'failed' ? ('failed' as const) : ('retried' as const)
    }
    for (let attempt = 1; ; attempt++) {
      try {
        this.counts[await write()]++
        return
      } catch (error) {
        if (isLeaseLost(error) || error instanceof ValidationError) {
          this.counts[isLeaseLost(error) ? 'lost' : 'errors']++
          return
        }
        if (attempt >= SETTLE_ATTEMPTS) {
          this.counts.errors++
          return
        }
        await sleep(SETTLE_BACKOFF_MS * attempt)
      }
    }
  }

  /**
   * Extends the item's lease every third of `leaseSeconds` until stopped. A refused extension (the
   * item was reclaimed, finished or removed) marks the lease lost and aborts the handler's signal;
   * other failures are tried again at the next beat, while two thirds of the lease remain.
   */
  private renewLease(item: FrontierItem, lease: AbortController) {
    const { workerId, leaseSeconds } = this.options
    let lost = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const beat = () => {
      timer = setTimeout(
        async () => {
          try {
            await this.backend.extendFrontierLease(this.runId, item.itemId, { workerId, leaseSeconds })
          } catch (error) {
            if (isLeaseLost(error)) {
              lost = true
              lease.abort(error)
              return
            }
          }
          if (!stopped) beat()
        },
        (leaseSeconds * 1000) / 3,
      )
    }
    beat()
    return {
      stop: () => {
        stopped = true
        clearTimeout(timer)
      },
      lost: () => lost,
    }
  }
}

function isLeaseLost(error: unknown): boolean {
  return error instanceof ConflictError || error instanceof NotFoundError
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
