/** Capped exponential backoff with full jitter: a random wait in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, baseMs = 25, capMs = 2_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs `worker` over `items` with at most `concurrency` in flight, keeping nothing of its results
 * (a bulk call's memory stays its input's). `worker` must not throw: it settles its own errors.
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      await worker(items[index] as T, index)
    }
  })
  await Promise.all(lanes)
}

/** Runs `worker` over `items` with at most `concurrency` in flight; results keep input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  await forEachConcurrent(items, concurrency, async (item, index) => {
    try {
      results[index] = { status: 'fulfilled', value: await worker(item, index) }
    } catch (reason) {
      results[index] = { status: 'rejected', reason }
    }
  })
  return results
}
