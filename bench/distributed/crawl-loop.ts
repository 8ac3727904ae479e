import type { FrontierItem, StorageBackend } from '../../src/index.js'

export interface ClaimLoopOptions {
  workerId: string
  /** Stops the loop (after the item in hand): the run's time budget. */
  signal: AbortSignal
  /** Claims at most (a bound, whatever happens). */
  maxClaims: number
  /** Consecutive empty claims after which the queue counts as drained. */
  idleClaims: number
}

export interface ClaimLoopCounts {
  completed: number
  failed: number
  claims: number
  emptyClaims: number
  /** Calls that threw (after the SDK's retries), claims and status updates included. */
  errors: number
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Wait after a call failed past its retries (throttled partition): do not spin on it. */
const ERROR_PAUSE_MS = 100

/**
 * One worker's crawl loop: claim one item, run `handler(item)`, mark it completed (or failed with
 * the handler's error), until the queue is drained, the signal fires or `maxClaims` is reached.
 * Shaped like the library's planned `processFrontier(backend, runId, handler, options)`, so the
 * simulation can switch to it by replacing this call.
 */
export async function claimLoop(
  backend: StorageBackend,
  runId: string,
  handler: (item: FrontierItem) => Promise<void>,
  options: ClaimLoopOptions,
): Promise<ClaimLoopCounts> {
  const { workerId, signal } = options
  const counts: ClaimLoopCounts = { completed: 0, failed: 0, claims: 0, emptyClaims: 0, errors: 0 }
  let misses = 0
  while (!signal.aborted && counts.claims < options.maxClaims && misses < options.idleClaims) {
    counts.claims++
    let item: FrontierItem | undefined
    try {
      ;[item] = await backend.claimFrontierItems(runId, { workerId, limit: 1 })
    } catch {
      counts.errors++
      await pause(ERROR_PAUSE_MS)
      continue
    }
    if (!item) {
      misses++
      counts.emptyClaims++
      continue
    }
    misses = 0
    let error: string | undefined
    try {
      await handler(item)
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown)
    }
    try {
      await backend.updateFrontierStatus(runId, item.itemId, error ? 'failed' : 'completed', {
        workerId,
        ...(error ? { error } : {}),
      })
      if (error) counts.failed++
      else counts.completed++
    } catch {
      counts.errors++
      await pause(ERROR_PAUSE_MS)
    }
  }
  return counts
}
