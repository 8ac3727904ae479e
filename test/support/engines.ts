import { afterAll, beforeAll, inject } from 'vitest'
import { createStorageBackend, type StorageBackend, type StorageConfigInput } from '../../src/index.js'
import {
  assertLoopbackEndpoint,
  type EmbeddedEngine,
  startLocalEngine,
  uniqueTablePrefix,
} from '../../src/testing/index.js'

export type EngineName = 'dynalite' | 'dynamodb-local'
export type LayoutName = 'single-table' | 'multi-table'

export const ENGINES: EngineName[] = ['dynalite', 'dynamodb-local']
export const LAYOUTS: LayoutName[] = ['single-table', 'multi-table']

/** Every layout × engine pair the contract suite runs over. */
export const MATRIX = LAYOUTS.flatMap((layout) => ENGINES.map((engine) => ({ layout, engine })))

export function engineAvailable(engine: EngineName): boolean {
  return engine === 'dynalite' || inject('dynamodbLocalEndpoint') !== null
}

/**
 * A fresh set of tables on `engine` for one describe block: starts dynalite in process (or uses
 * the run's DynamoDB Local), initializes the layout, and tears everything down after.
 */
export function useBackend(
  engine: EngineName,
  layout: LayoutName,
  extra: Partial<NonNullable<StorageConfigInput['backend']>> = {},
) {
  const state: { backend: StorageBackend; config: StorageConfigInput; endpoint: string } = {} as never
  let dynalite: EmbeddedEngine | undefined
  beforeAll(async () => {
    let endpoint: string
    if (engine === 'dynalite') {
      dynalite = await startLocalEngine()
      endpoint = dynalite.endpoint
    } else {
      endpoint = inject('dynamodbLocalEndpoint') as string
    }
    assertLoopbackEndpoint(endpoint)
    state.endpoint = endpoint
    state.config = { backend: { endpointUrl: endpoint, layout, tablePrefix: uniqueTablePrefix(), ...extra } }
    state.backend = createStorageBackend(state.config)
    await state.backend.initialize()
  }, 60_000)
  afterAll(async () => {
    await state.backend?.close()
    await dynalite?.stop()
  })
  return state
}
