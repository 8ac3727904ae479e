import { AsyncLocalStorage } from 'node:async_hooks'

// The signal of the public call in progress: the backend opens a scope per call and the transport
// checks it before every request, so no store has to thread it.
const scope = new AsyncLocalStorage<AbortSignal>()

/** Runs `work` with `signal` as the signal of every request it sends (none: no scope opened). */
export function withSignal<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  return signal === undefined ? work() : scope.run(signal, work)
}

/** The signal of the call in progress, if it has one. */
export function currentSignal(): AbortSignal | undefined {
  return scope.getStore()
}

/** The reason of an aborted signal as an error named `AbortError` (what `fetch` rejects with). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name === 'AbortError') return reason
  return new DOMException('The operation was aborted', 'AbortError')
}
