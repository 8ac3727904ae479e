import { fileURLToPath } from 'node:url'
import type { RunningEngine } from '../engines.js'
import { spawnTsx } from './tsx-child.js'

const ENGINE_CHILD = fileURLToPath(new URL('../distributed/engine-child.ts', import.meta.url))

/** An engine serving from a process of its own, whose CPU can be read by pid. */
export interface EngineProcess {
  endpoint: string
  pid: number
  label: string
  stop(): Promise<void>
}

/**
 * The run's engine when it already is a process of its own (DynamoDB Local's JVM); otherwise a
 * dynalite started in a child process for the caller (the bench's own dynalite shares its thread).
 */
export async function engineProcess(engine: RunningEngine): Promise<EngineProcess> {
  if (engine.pid !== undefined) {
    return { endpoint: engine.endpoint, pid: engine.pid, label: engine.label, stop: async () => undefined }
  }
  const child = spawnTsx(ENGINE_CHILD, {})
  const { endpoint } = await child.next<{ endpoint: string }>(60_000)
  return {
    endpoint,
    pid: child.pid,
    label: engine.label.replace(/\(in process[^)]*\)/, '(in a child process of its own)'),
    stop: () => child.stop(),
  }
}
