import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateLayout, type StorageConfigInput, verifyLayouts } from '../../src/index.js'
import type { CheckpointState } from '../../src/layout-tools/checkpoint.js'
import { layoutFor } from '../../src/services/factory.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { buildRecords, type SeedCounts, seedRecords } from '../support/migration-seed.js'

/**
 * A migration (multi-table → single-table, 20,000 items) run in a child process and SIGKILLed
 * mid-run, then rerun from the same checkpoint: the rerun takes the lock the killed run left at
 * once (same checkpoint, same owner), finishes, and the target holds every record exactly once.
 * dynalite runs in this process, so it outlives the child.
 */

const TOTAL = 20_000
const SEGMENTS = 4
const CHILD = fileURLToPath(new URL('../support/migrate-child.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LOCK_ID = '$ragcrawl#migration-lock'
const LOGICAL = ['sites', 'runs', 'pages', 'versions', 'frontier', 'pageCounts'] as const

let engine: EmbeddedEngine
let raw: DynamoDBClient
let dir: string
const children: ChildProcess[] = []

const config = (layout: 'single-table' | 'multi-table', tablePrefix: string): StorageConfigInput => ({
  backend: { endpointUrl: engine.endpoint, layout, tablePrefix },
})

beforeAll(async () => {
  engine = await startLocalEngine()
  raw = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })
  dir = await mkdtemp(join(tmpdir(), 'migration-kill-'))
})

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  raw?.destroy()
  await engine?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function startChild(from: StorageConfigInput, to: StorageConfigInput, checkpoint: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CHILD,
      engine.endpoint,
      from.backend!.layout!,
      from.backend!.tablePrefix!,
      to.backend!.layout!,
      to.backend!.tablePrefix!,
      checkpoint,
      String(SEGMENTS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  )
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, exited, output: () => output }
}

async function readCheckpoint(path: string): Promise<CheckpointState | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CheckpointState
  } catch {
    return undefined // not written yet (it is replaced atomically, never read half-written)
  }
}

/** Polls until `ready` holds; fails if the child exits first. */
async function waitFor<T>(
  run: ReturnType<typeof startChild>,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`the child exited before the kill:\n${run.output()}`)
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for the child:\n${run.output()}`)
}

/** The lock item a migration holds on its target's first table, if any. */
async function lockOf(target: StorageConfigInput) {
  const first = layoutFor(target).records.tables[0]!
  const output = await raw
    .send(
      new GetItemCommand({
        TableName: first.name,
        Key: Object.fromEntries(first.keys.map((k) => [k, { S: LOCK_ID }])),
        ConsistentRead: true,
      }),
    )
    .catch(() => undefined)
  return output?.Item ? { owner: output.Item.lock_owner?.S } : undefined
}

/** Raw items in a layout's tables (records and any helper items). */
async function rawItems(target: StorageConfigInput): Promise<number> {
  let total = 0
  for (const { name } of layoutFor(target).records.tables) {
    let start: Record<string, never> | undefined
    do {
      const page = await raw.send(
        new ScanCommand({ TableName: name, Select: 'COUNT', ExclusiveStartKey: start }),
      )
      total += page.Count ?? 0
      start = page.LastEvaluatedKey as typeof start
    } while (start)
  }
  return total
}

function expectExactCounts(
  tables: Record<string, { read: number; written: number; skipped: number; failed: number }>,
  counts: SeedCounts,
) {
  for (const table of ['sites', 'runs', 'pages', 'versions', 'frontier'] as const) {
    expect(tables[table], table).toEqual({
      read: counts[table],
      written: counts[table],
      skipped: 0,
      failed: 0,
    })
  }
}

describe('migration killed mid-run', () => {
  it('resumes from the checkpoint after SIGKILL: no wait for the lock, nothing lost, nothing twice', async () => {
    const source = config('multi-table', uniqueTablePrefix('mk_src'))
    const built = buildRecords({ total: TOTAL })
    const seedMs = await seedRecords(source, built.records)
    const counts = built.counts
    const target = config('single-table', uniqueTablePrefix('mk_dst'))
    const checkpoint = join(dir, 'kill-midway.json')

    const started = Date.now()
    const run = startChild(source, target, checkpoint)
    // Progress: at least a quarter written, some segments part-way, not finished.
    const atKill = await waitFor(run, async () => {
      const state = await readCheckpoint(checkpoint)
      if (!state || state.completed) return undefined
      const positions = Object.values(state.positions).flat()
      const partly = positions.filter((p) => p !== null && p !== 'done').length
      const written = LOGICAL.slice(0, 5).reduce((sum, t) => sum + (state.counts[t]?.written ?? 0), 0)
      return partly > 0 && written >= TOTAL / 4 ? { written, partly } : undefined
    })
    run.child.kill('SIGKILL')
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' })
    const childMs = Date.now() - started

    // What the killed run left: a checkpoint part-way, its lock, items past the checkpoint.
    const left = (await readCheckpoint(checkpoint))!
    expect(left.completed).toBe(false)
    const positions = Object.values(left.positions).flat()
    const segmentsDone = positions.filter((p) => p === 'done').length
    const segmentsPartly = positions.filter((p) => p !== null && p !== 'done').length
    const segmentsUnstarted = positions.filter((p) => p === null).length
    expect(segmentsDone).toBeLessThan(positions.length)
    const checkpointed = LOGICAL.slice(0, 5).reduce((sum, t) => sum + (left.counts[t]?.written ?? 0), 0)
    expect(checkpointed).toBeGreaterThanOrEqual(atKill.written)
    expect(checkpointed).toBeLessThan(TOTAL)
    expect(await lockOf(target)).toEqual({ owner: left.migrationId })
    const inTarget = await rawItems(target)

    // The rerun, in process, with the same checkpoint: it must not wait for the lease to lapse.
    const rerunStarted = Date.now()
    const report = await migrateLayout({ source, target, checkpoint, segments: SEGMENTS })
    const rerunMs = Date.now() - rerunStarted
    expect(report.error ?? null).toBeNull()
    expect(report.ok).toBe(true)
    expect(report.migrationId).toBe(left.migrationId)
    expectExactCounts(report.tables, counts)
    expect(await lockOf(target)).toBeUndefined()

    const verify = await verifyLayouts({ source, target })
    expect(verify.error ?? null).toBeNull()
    expect(verify.differences).toEqual([])
    expect(verify.ok).toBe(true)
    for (const table of LOGICAL) {
      expect(verify.tables[table], table).toEqual({
        source: counts[table],
        target: counts[table],
        matched: counts[table],
      })
    }
    // Exactly one item per record in the target (single-table: one per record, page counters included).
    expect(await rawItems(target)).toBe(TOTAL + counts.pageCounts)

    console.log(
      `kill/resume ${TOTAL} items multi→single: seed ${seedMs} ms; child killed after ${childMs} ms with ` +
        `${checkpointed} records checkpointed (${segmentsDone} segments done, ${segmentsPartly} part-way, ` +
        `${segmentsUnstarted} unstarted of ${positions.length}) and ${inTarget} items in the target; ` +
        `rerun ${rerunMs} ms copied ${TOTAL - checkpointed} more, report written ${TOTAL} = seeded, ` +
        `verify ${verify.durationMs} ms ok`,
    )
  }, 480_000)

  it('a run killed between taking the lock and its first checkpoint does not block the rerun', async () => {
    const source = config('single-table', uniqueTablePrefix('mk_src2'))
    const built = buildRecords({ total: 2_000, sites: 2, runsPerSite: 2 })
    await seedRecords(source, built.records)
    const target = config('multi-table', uniqueTablePrefix('mk_dst2'))
    const checkpoint = join(dir, 'kill-early.json')

    const run = startChild(source, target, checkpoint)
    const lock = await waitFor(run, () => lockOf(target))
    run.child.kill('SIGKILL')
    await run.exited
    const left = await readCheckpoint(checkpoint)

    // A lock held by another owner is never waited for: the run would fail at once with
    // "Another migration holds the lock" (as it did before the checkpoint was saved first).
    const report = await migrateLayout({ source, target, checkpoint, segments: SEGMENTS })
    expect(report.error ?? null).toBeNull()
    expect(report.ok).toBe(true)
    // The lock's owner is the checkpoint's migration: written before the lock was taken.
    expect(left?.migrationId).toBe(lock.owner)
    expect(report.migrationId).toBe(lock.owner)
    expectExactCounts(report.tables, built.counts)
    const verify = await verifyLayouts({ source, target })
    expect(verify.differences).toEqual([])
    expect(verify.ok).toBe(true)
  }, 300_000)
})
