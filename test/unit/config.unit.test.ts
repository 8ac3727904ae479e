import { describe, expect, it } from 'vitest'
import { createStorageBackend, StorageConfigSchema, ValidationError } from '../../src/index.js'

function validationPaths(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).paths
  }
  throw new Error('expected a ValidationError')
}

describe('configuration', () => {
  it('fills the defaults of API.md', () => {
    const parsed = StorageConfigSchema.parse({ backend: {} })
    expect(parsed.backend).toMatchObject({
      type: 'dynamodb',
      tablePrefix: 'ragcrawl_',
      region: 'us-east-1',
      layout: 'single-table',
      billingMode: 'PAY_PER_REQUEST',
      frontierTtlDays: 7,
      frontierMaxRetries: 3,
      frontierRetryDelaySeconds: 30,
    })
  })

  it('validates the retry keys beside frontierTtlDays', () => {
    for (const bad of [
      { frontierMaxRetries: -1 },
      { frontierMaxRetries: 1.5 },
      { frontierRetryDelaySeconds: -1 },
    ]) {
      expect(validationPaths(() => createStorageBackend({ backend: bad }))).toEqual(
        Object.keys(bad).map((key) => `backend.${key}`),
      )
    }
    const parsed = StorageConfigSchema.parse({
      backend: { frontierMaxRetries: 0, frontierRetryDelaySeconds: 0.5 },
    })
    expect(parsed.backend).toMatchObject({ frontierMaxRetries: 0, frontierRetryDelaySeconds: 0.5 })
  })

  it('rejects unknown keys and bad values, naming the field, without sending anything', () => {
    expect(validationPaths(() => createStorageBackend({ backend: { regoin: 'x' } as never }))).toEqual([
      'backend.regoin',
    ])
    expect(
      validationPaths(() => createStorageBackend({ backend: { layout: 'three-table' as never } })),
    ).toEqual(['backend.layout'])
    expect(validationPaths(() => createStorageBackend({ backend: { billingMode: 'PROVISIONED' } }))).toEqual([
      'backend.readCapacityUnits',
      'backend.writeCapacityUnits',
    ])
    expect(validationPaths(() => createStorageBackend({ backend: { endpointUrl: 'not a url' } }))).toEqual([
      'backend.endpointUrl',
    ])
    expect(validationPaths(() => createStorageBackend({ backend: { client: {} as never } }))).toEqual([
      'backend.client',
    ])
    expect(validationPaths(() => createStorageBackend({ backend: { frontierTtlDays: -1 } }))).toEqual([
      'backend.frontierTtlDays',
    ])
  })

  it('accepts a duck-typed client and builds synchronously', () => {
    const backend = createStorageBackend({ backend: { client: { send: async () => ({}) } } })
    expect(typeof backend.getSite).toBe('function')
  })
})
