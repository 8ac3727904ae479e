import { DescribeTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName } from '../../src/engine/transport.js'
import { createStorageBackend, type StorageBackend } from '../../src/index.js'
import { uniqueTablePrefix } from '../../src/testing/index.js'
import { engineAvailable, LAYOUTS, MATRIX } from '../support/engines.js'
import { type FaultClient, faultClient, loopbackClient, useFaultyBackend } from '../support/fault-client.js'
import { site } from '../support/fixtures.js'

const TTL_TABLE = { 'single-table': 'data', 'multi-table': 'frontier' } as const

// initialize() and healthReport() through a client the backend cannot see into (a wrapper, a
// recorder, a fault injector): it has no endpoint, so what the engine supports must be asked.
describe.each(MATRIX)('lifecycle through a duck-typed client — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    // The engine (and its loopback endpoint) of the shared fault setup; its tables go unused.
    const env = useFaultyBackend(engine, layout)
    let real: DynamoDBClient
    const expected =
      engine === 'dynalite'
        ? { transactions: false, timeToLive: false, partiql: false }
        : { transactions: true, timeToLive: true, partiql: true }

    beforeAll(() => {
      real = loopbackClient(env.endpoint)
    })
    afterAll(() => real?.destroy())

    /** A backend on fresh tables whose only door to the engine is `client` (no endpointUrl). */
    function backendThrough(client: DynamoDBClientLike): { backend: StorageBackend; tablePrefix: string } {
      const tablePrefix = uniqueTablePrefix('lc')
      return { backend: createStorageBackend({ backend: { layout, tablePrefix, client } }), tablePrefix }
    }

    const ttlStatus = async (tablePrefix: string) => {
      const output = await real.send(
        new DescribeTimeToLiveCommand({ TableName: `${tablePrefix}${TTL_TABLE[layout]}` }),
      )
      return output.TimeToLiveDescription?.TimeToLiveStatus
    }

    it('initialize() succeeds (TTL where the engine has it) and healthReport() names the capabilities', async () => {
      const { backend, tablePrefix } = backendThrough({ send: (c, o) => real.send(c as never, o as never) })
      await backend.initialize()
      await backend.initialize() // idempotent through the wrapper too
      expect(await ttlStatus(tablePrefix)).toBe(expected.timeToLive ? 'ENABLED' : 'DISABLED')
      const report = await backend.healthReport()
      expect(report.ok).toBe(true)
      expect(report.capabilities).toEqual(expected)
      const saved = await backend.saveSite(site())
      expect((await backend.getSite(saved.siteId))?.siteId).toBe(saved.siteId)
      await backend.close()
    })

    it('a throttled TTL request fails initialize() (never taken for "unsupported"); a rerun completes', async () => {
      const faults: FaultClient = faultClient(real)
      const { backend, tablePrefix } = backendThrough(faults)
      faults.inject({ operation: 'UpdateTimeToLive', fault: 'throttle', nth: 1 })
      faults.inject({ operation: 'DescribeTimeToLive', fault: 'throttle', nth: 1 })
      await expect(backend.initialize()).rejects.toMatchObject({ code: 'CAPACITY' })
      faults.clear()
      await backend.initialize()
      expect(await ttlStatus(tablePrefix)).toBe(expected.timeToLive ? 'ENABLED' : 'DISABLED')
      expect((await backend.healthReport()).capabilities).toEqual(expected)
      await backend.close()
    })
  })
})

/**
 * A stand-in for AWS behind a duck-typed client, answering as AWS does for a principal holding the
 * layout's IAM policy: tables it created exist, TTL can be enabled on them, anything else (another
 * table, an operation the policy does not grant) is refused with AccessDeniedException.
 */
function awsLike() {
  const tables = new Set<string>()
  const ttl = new Set<string>()
  const requests: { operation: string; input: Record<string, unknown> }[] = []
  const denied = () =>
    Object.assign(new Error('not authorized (AccessDeniedException)'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    })
  const client: DynamoDBClientLike = {
    async send(command) {
      const operation = operationName(command)
      const input = (command as { input: Record<string, unknown> }).input
      requests.push({ operation, input })
      const table = String(input.TableName)
      if (operation === 'CreateTable') tables.add(table)
      if (!tables.has(table)) throw denied()
      if (operation === 'DescribeTable') return { Table: { TableStatus: 'ACTIVE' } }
      if (operation === 'DescribeTimeToLive')
        return { TimeToLiveDescription: { TimeToLiveStatus: ttl.has(table) ? 'ENABLED' : 'DISABLED' } }
      if (operation === 'UpdateTimeToLive') {
        ttl.add(table)
        return {
          TimeToLiveSpecification: (input as { TimeToLiveSpecification: unknown }).TimeToLiveSpecification,
        }
      }
      if (operation === 'CreateTable') return {}
      throw denied()
    },
  }
  return { client, requests, tables, ttl }
}

describe('capability probes are safe on AWS behind a duck-typed client', () => {
  for (const layout of LAYOUTS) {
    it(`${layout}: nothing changes state but the tables and their TTL; AWS is reported capable`, async () => {
      const aws = awsLike()
      const tablePrefix = uniqueTablePrefix('aws')
      const backend = createStorageBackend({ backend: { layout, tablePrefix, client: aws.client } })
      await backend.initialize()
      const report = await backend.healthReport()
      await backend.close()
      expect(report.ok).toBe(true)
      expect(report.capabilities).toEqual({ transactions: true, timeToLive: true, partiql: true })
      expect([...aws.ttl]).toEqual([`${tablePrefix}${TTL_TABLE[layout]}`])
      const reads = new Set(['DescribeTable', 'DescribeTimeToLive', 'TransactGetItems', 'GetItem'])
      // The PartiQL probe is a SELECT of a table that does not exist.
      reads.add('BatchExecuteStatement')
      const changes = aws.requests.filter((r) => !reads.has(r.operation))
      for (const change of changes) {
        if (change.operation === 'CreateTable') continue
        expect(change.operation).toBe('UpdateTimeToLive')
        // Only the intended enable reached a table; any other TTL request named a table that is not there.
        if (aws.tables.has(String(change.input.TableName)))
          expect(change.input.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'ttl' })
      }
    })
  }
})
