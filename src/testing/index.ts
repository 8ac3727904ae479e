import { type EmbeddedEngine, isLoopback, startEmbeddedEngine } from '../engine/embedded.js'

export type { EmbeddedEngine }

/**
 * Starts an in-process dynalite on a free loopback port for your own tests.
 *
 * @example
 * const engine = await startLocalEngine()
 * const backend = createStorageBackend({ backend: { endpointUrl: engine.endpoint } })
 * await backend.initialize()
 * // ... your tests ...
 * await backend.close(); await engine.stop()
 */
export function startLocalEngine(options: { path?: string } = {}): Promise<EmbeddedEngine> {
  return startEmbeddedEngine(options)
}

/** Throws unless `endpoint` is a loopback address: tests must never reach a real network. */
export function assertLoopbackEndpoint(endpoint: string): void {
  if (!isLoopback(endpoint)) throw new Error(`Refusing non-loopback endpoint ${endpoint} in tests`)
}

/** A table prefix unique to one test, so tests can share an engine without seeing each other's data. */
export function uniqueTablePrefix(label = 't'): string {
  return `${label.replace(/[^A-Za-z0-9_.-]/g, '_')}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}_`
}
