import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName } from '../../src/engine/transport.js'
import { migrateLayout, type StorageConfigInput, verifyLayouts } from '../../src/index.js'
import { CheckpointWriter, newCheckpoint } from '../../src/layout-tools/checkpoint.js'
import { describe as identityOf } from '../../src/layout-tools/migrate.js'
import { layoutFor } from '../../src/services/factory.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { LAYOUTS, type LayoutName } from '../support/engines.js'
import { loopbackClient } from '../support/fault-client.js'
import { buildRecords, seedRecords } from '../support/migration-seed.js'

/**
 * The migration lock: at most one run writes to a target at a time. Two runs started at once with
 * the same checkpoint cannot both hold it (the lock belongs to a run, not to the checkpoint's
 * migration), and a run whose lock is taken away stops before its next write, its checkpoint
 * letting a rerun resume.
 */

const LOCK_ID = '$ragcrawl#migration-lock'
const DATA_WRITES = new Set(['BatchWriteItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems'])

let engine: EmbeddedEngine
let raw: DynamoDBClient
let dir: string

beforeAll(async () => {
  engine = await startLocalEngine()
  raw = loopbackClient(engine.endpoint)
  dir = await mkdtemp(join(tmpdir(), 'ml-'))
})
afterAll(async () => {
  raw.destroy()
  await engine.stop()
  await rm(dir, { recursive: true, force: true })
})

const config = (
  layout: LayoutName,
  tablePrefix: string,
  client?: DynamoDBClientLike,
): StorageConfigInput => ({
  backend: { endpointUrl: engine.endpoint, layout, tablePrefix, ...(client ? { client } : {}) },
})

/**
 * A client to the engine that counts the data writes it sends (the lock item's own writes aside)
 * and can run a hook before sending each request.
 */
function countingClient(
  beforeSend?: (
    writes: number,
    request: { operation: string; input: string; isDataWrite: boolean },
  ) => Promise<void>,
) {
  const real = loopbackClient(engine.endpoint)
  const state = {
    writes: 0,
    client: undefined as unknown as DynamoDBClientLike,
    destroy: () => real.destroy(),
  }
  state.client = {
    async send(command, options) {
      const operation = operationName(command)
      const input = (command as { input?: unknown }).input
      const text = JSON.stringify(input)
      const isDataWrite = DATA_WRITES.has(operation) && !text.includes(LOCK_ID)
      await beforeSend?.(state.writes, { operation, input: text, isDataWrite })
      if (isDataWrite) state.writes++
      return real.send(command as never, options as never)
    },
  }
  return state
}

const other = (layout: LayoutName): LayoutName => (layout === 'single-table' ? 'multi-table' : 'single-table')

describe.each(LAYOUTS)('migration lock — target %s', (targetLayout) => {
  const sourceLayout = other(targetLayout)

  async function seeded(records: Parameters<typeof seedRecords>[1]) {
    const source = config(sourceLayout, uniqueTablePrefix('ml_src'))
    await seedRecords(source, records)
    return source
  }

  for (const checkpointExists of [false, true]) {
    it(`two runs started at once with the same checkpoint (${checkpointExists ? 'existing' : 'new'}): exactly one writes`, async () => {
      const built = buildRecords({ total: 1_000, sites: 2, runsPerSite: 2 })
      const source = await seeded(built.records)
      const targetPrefix = uniqueTablePrefix('ml_dst')
      const checkpoint = join(dir, `${targetLayout}-${checkpointExists}.json`)
      if (checkpointExists) {
        const tables = layoutFor(source).records.tables.map((t) => t.name)
        const target = config(targetLayout, targetPrefix)
        await new CheckpointWriter(checkpoint).save(
          newCheckpoint(identityOf(source), identityOf(target), 2, tables),
        )
      }
      const runs = [countingClient(), countingClient()]
      const reports = await Promise.all(
        runs.map((run) =>
          migrateLayout({
            source,
            target: config(targetLayout, targetPrefix, run.client),
            checkpoint,
            segments: 2,
          }),
        ),
      )
      for (const run of runs) run.destroy()
      const winners = reports.filter((r) => r.ok)
      expect(winners).toHaveLength(1)
      const loser = reports.findIndex((r) => !r.ok)
      expect(reports[loser]!.error).toMatch(/holds the lock|created by another run/)
      expect(runs[loser]!.writes).toBe(0)
      expect(runs[1 - loser]!.writes).toBeGreaterThan(0)
      expect(JSON.parse(await readFile(checkpoint, 'utf8')).completed).toBe(true)
      const verify = await verifyLayouts({ source, target: config(targetLayout, targetPrefix) })
      expect(verify.differences).toEqual([])
      expect(verify.ok).toBe(true)
    }, 120_000)
  }

  it('a run whose lock is taken away stops with an error, writes nothing more, and a rerun resumes', async () => {
    // Sites only: one Scan stream carries every write, so "after the lock was taken" is exact.
    const built = buildRecords({ total: 600, sites: 600, runsPerSite: 0 })
    const source = await seeded(built.records)
    const targetPrefix = uniqueTablePrefix('ml_dst')
    const first = layoutFor(config(targetLayout, targetPrefix)).records.tables[0]!
    const lockKey = Object.fromEntries(first.keys.map((k) => [k, LOCK_ID]))
    const checkpoint = join(dir, `${targetLayout}-taken.json`)
    // After the first page is written and checkpointed, another run takes the lock over: before
    // the next request this run sends to the target.
    let firstPageDone = false
    let writesWhenTaken: number | undefined
    const run = countingClient(async (writes) => {
      if (!firstPageDone || writesWhenTaken !== undefined) return
      writesWhenTaken = writes
      await raw.send(
        new PutCommand({
          TableName: first.name,
          Item: {
            ...lockKey,
            lock_owner: 'another-migration',
            lock_run: 'another-run',
            lock_expires_at: Date.now() + 600_000,
          },
        }),
      )
    })
    const report = await migrateLayout({
      source,
      target: config(targetLayout, targetPrefix, run.client),
      checkpoint,
      segments: 1,
      onProgress: (progress) => {
        firstPageDone = (progress.tables.sites?.written ?? 0) > 0
      },
    })
    run.destroy()
    expect(report.ok).toBe(false)
    expect(report.error).toMatch(/took the migration lock over/)
    expect(writesWhenTaken).toBeGreaterThan(0)
    expect(run.writes).toBe(writesWhenTaken)
    const left = JSON.parse(await readFile(checkpoint, 'utf8'))
    expect(left.completed).toBe(false)

    // The other holder goes away; the rerun resumes from the checkpoint and completes.
    await raw.send(new DeleteCommand({ TableName: first.name, Key: lockKey }))
    const rerun = await migrateLayout({ source, target: config(targetLayout, targetPrefix), checkpoint })
    expect(rerun.error ?? null).toBeNull()
    expect(rerun.migrationId).toBe(left.migrationId)
    expect(rerun.tables.sites.written).toBe(built.counts.sites)
    const verify = await verifyLayouts({ source, target: config(targetLayout, targetPrefix) })
    expect(verify.differences).toEqual([])
    expect(verify.ok).toBe(true)
  }, 120_000)

  it('a run whose lock renewals fail stops before its lease could lapse, with the error', async () => {
    const built = buildRecords({ total: 1_500, sites: 1_500, runsPerSite: 0 })
    const source = await seeded(built.records)
    const targetPrefix = uniqueTablePrefix('ml_dst')
    // Every renewal throttled, and writes so slow that one scan page's writes take longer than the
    // lease's safety margin (about 15 s a page, the whole copy minutes): the run must stop between
    // two requests of a page, not only before the next page.
    const delayMs = targetLayout === 'single-table' ? 3_000 : 150
    let acquiredAt: number | undefined
    let lastWriteAt = 0
    const run = countingClient(async (_, { operation, input, isDataWrite }) => {
      if (operation === 'PutItem' && input.includes(LOCK_ID)) {
        if (acquiredAt !== undefined)
          throw Object.assign(new Error('Rate exceeded (injected)'), {
            name: 'ProvisionedThroughputExceededException',
            $metadata: { httpStatusCode: 400 },
          })
        acquiredAt = Date.now()
      }
      if (isDataWrite) {
        lastWriteAt = Date.now()
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    })
    const report = await migrateLayout({
      source,
      target: config(targetLayout, targetPrefix, run.client),
      checkpoint: join(dir, `${targetLayout}-renewal.json`),
      segments: 1,
    })
    const stoppedAt = Date.now()
    run.destroy()
    expect(report.ok).toBe(false)
    expect(report.error).toMatch(/could not be renewed.*Rate exceeded/)
    expect(acquiredAt).toBeDefined()
    // Renewals at 10 s and 20 s failed: the run stopped once less than 10 s of the 30 s lease was
    // left (20 s after it was taken), and began no write after that.
    expect(stoppedAt - acquiredAt!).toBeGreaterThan(19_000)
    expect(lastWriteAt - acquiredAt!).toBeLessThan(20_050)
    expect(report.tables.sites.written).toBeLessThan(built.counts.sites)
  }, 120_000)
})
