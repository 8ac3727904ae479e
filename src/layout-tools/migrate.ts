import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { parseStorageConfig, type StorageConfigInput } from '../config.js'
import { layoutFor } from '../services/factory.js'
import type { Layout } from '../services/layout.js'
import { LOGICAL_TABLES, type LogicalRecord, type LogicalTable } from '../services/migration-codec.js'
import { initializeTables } from '../services/plumbing/lifecycle.js'
import {
  type CheckpointState,
  CheckpointWriter,
  type InvalidItem,
  loadCheckpoint,
  newCheckpoint,
  type TableCounts,
} from './checkpoint.js'
import { MigrationLock } from './lock.js'

export interface MigrationProgress {
  tables: Record<string, TableCounts>
  /** Scan segments finished, of all. */
  segmentsDone: number
  segmentsTotal: number
}

export interface MigrateOptions {
  source: StorageConfigInput
  target: StorageConfigInput
  /** A file to resume from and save progress to; a rerun with it continues where the last run stopped. */
  checkpoint?: string
  /** Read and validate only; write nothing. */
  dryRun?: boolean
  /** Parallel Scan segments per source table; default 4. */
  segments?: number
  onProgress?: (progress: MigrationProgress) => void
}

export interface MigrationReport {
  ok: boolean
  dryRun: boolean
  tables: Record<LogicalTable, TableCounts>
  /** Source items that did not validate, with their key and why: counted, listed, never copied. */
  invalid: InvalidItem[]
  /** Absent or null when the run completed. */
  error?: string | null
  checkpoint?: string
  migrationId: string
  durationMs: number
}

/** Items per Scan request: small enough to checkpoint often and keep memory bounded. */
const SCAN_PAGE = 250
const MAX_LISTED_INVALID = 1_000

/**
 * Copies every logical record of the source layout to the target layout, as stored (revisions,
 * timestamps, leases): parallel Scan segments of the source, each item validated against the
 * model, batched idempotent writes to the target, a checkpoint after every page written, and a
 * lock on the target. It never throws: every failure is in the report, and a rerun with the same
 * checkpoint resumes without losing or duplicating anything.
 */
export async function migrateLayout(options: MigrateOptions): Promise<MigrationReport> {
  const started = Date.now()
  const dryRun = options.dryRun ?? false
  const counts = emptyCounts()
  const report = (state: Partial<MigrationReport>): MigrationReport => ({
    ok: false,
    dryRun,
    tables: counts,
    invalid: [],
    migrationId: '',
    checkpoint: options.checkpoint,
    durationMs: Date.now() - started,
    ...state,
  })
  let source: Layout | undefined
  let target: Layout | undefined
  let lock: MigrationLock | undefined
  let state: CheckpointState | undefined
  try {
    const segments = options.segments ?? 4
    if (!Number.isInteger(segments) || segments < 1 || segments > 64)
      throw new Error('segments must be an integer from 1 to 64')
    const from = layoutFor(options.source)
    const to = layoutFor(options.target)
    source = from
    target = to
    const sourceName = describe(options.source)
    const targetName = describe(options.target)
    if (sourceName === targetName) throw new Error('source and target are the same tables')

    const health = await from.transport
      .send(new ScanCommand({ TableName: from.records.tables[0]!.name, Limit: 1 }))
      .then(
        () => null,
        (error: unknown) => error,
      )
    if (health) throw new Error(`source unreachable or missing: ${(health as Error).message}`)

    const saved = options.checkpoint ? await loadCheckpoint(options.checkpoint) : undefined
    if (saved && (saved.source !== sourceName || saved.target !== targetName)) {
      throw new Error(
        `checkpoint ${options.checkpoint} belongs to another migration (${saved.source} → ${saved.target})`,
      )
    }
    state =
      saved ??
      newCheckpoint(
        sourceName,
        targetName,
        segments,
        from.records.tables.map((t) => t.name),
      )
    Object.assign(counts, mergeCounts(state.counts))
    if (state.completed) return report({ ok: true, invalid: state.invalid, migrationId: state.migrationId })

    const writer = new CheckpointWriter(dryRun ? undefined : options.checkpoint)
    if (!dryRun) {
      await initializeTables(to.transport, to.tables)
      // A new checkpoint (and so the migration's id) is on disk before the lock is taken: a run
      // killed at any point after taking it is resumed by a rerun at once, never left to lapse.
      // An existing one is not written before the lock is held: it may be another run's.
      if (!saved) await writer.create(state)
      const first = to.records.tables[0]!
      lock = MigrationLock.forTable(to.transport, first.name, first.keys, state.migrationId)
      await lock.acquire()
      lock.guardWrites(to.transport)
    }
    const streams = Object.entries(state.positions).flatMap(([table, positions]) =>
      positions.map((_, segment) => ({ table, segment })),
    )
    const progress = () =>
      options.onProgress?.({
        tables: structuredClone(counts),
        segmentsDone: Object.values(state!.positions)
          .flat()
          .filter((p) => p === 'done').length,
        segmentsTotal: streams.length,
      })
    // One stream failing (a lost lock above all) stops the others before their next write, and
    // the run returns only once none is writing.
    let stopped = false
    const copy = async ({ table, segment }: { table: string; segment: number }) => {
      const positions = state!.positions[table]!
      while (positions[segment] !== 'done' && !stopped) {
        const start = positions[segment] ?? undefined
        const output = (await source!.transport.send(
          new ScanCommand({
            TableName: table,
            Segment: segment,
            TotalSegments: state!.segments,
            Limit: SCAN_PAGE,
            ExclusiveStartKey: start as Record<string, unknown> | undefined,
          }),
        )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
        const page = emptyCounts()
        const records: LogicalRecord[] = []
        const invalid: InvalidItem[] = []
        const keyNames = source!.records.tables.find((t) => t.name === table)?.keys ?? []
        for (const raw of output.Items ?? []) {
          for (const result of await source!.records.read(raw, table)) {
            if (result.kind === 'record') {
              records.push(result.record)
              if (result.record.table !== 'pageCounts') page[result.record.table].read++
            } else if (result.kind === 'skip') {
              if (result.table) page[result.table].skipped++
            } else {
              const logical = result.table === 'unknown' ? undefined : result.table
              if (logical) {
                page[logical].read++
                page[logical].failed++
              }
              invalid.push({
                table: result.table,
                key: Object.fromEntries(keyNames.map((k) => [k, raw[k]])),
                reason: result.reason,
              })
            }
          }
        }
        if (!dryRun && records.length > 0) {
          await lock!.assertHeld()
          if (stopped) return
          await target!.records.write(records)
        }
        for (const r of records) if (r.table !== 'pageCounts' && !dryRun) page[r.table].written++
        addCounts(counts, page)
        state!.counts = counts
        if (state!.invalid.length < MAX_LISTED_INVALID)
          state!.invalid.push(...invalid.slice(0, MAX_LISTED_INVALID - state!.invalid.length))
        positions[segment] = output.LastEvaluatedKey ?? 'done'
        await writer.save(state!)
        progress()
      }
    }
    const settled = await Promise.allSettled(
      streams.map((stream) =>
        copy(stream).catch((error: unknown) => {
          stopped = true
          throw error
        }),
      ),
    )
    const failed = settled.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    state.completed = true
    await writer.save(state)
    return report({ ok: true, invalid: state.invalid, migrationId: state.migrationId })
  } catch (error) {
    return report({
      error: (error as Error)?.message ?? String(error),
      invalid: state?.invalid ?? [],
      migrationId: state?.migrationId ?? '',
    })
  } finally {
    await lock?.release()
    await source?.transport.close()
    await target?.transport.close()
  }
}

export function emptyCounts(): Record<LogicalTable, TableCounts> {
  const zero = () => ({ read: 0, written: 0, skipped: 0, failed: 0 })
  return {
    sites: zero(),
    runs: zero(),
    pages: zero(),
    versions: zero(),
    frontier: zero(),
    pageCounts: zero(),
  }
}

function mergeCounts(saved: Record<string, TableCounts>): Record<LogicalTable, TableCounts> {
  const counts = emptyCounts()
  for (const [table, c] of Object.entries(saved))
    if (table in counts) counts[table as LogicalTable] = { ...c }
  return counts
}

function addCounts(into: Record<LogicalTable, TableCounts>, add: Record<LogicalTable, TableCounts>): void {
  for (const table of [...LOGICAL_TABLES, 'pageCounts'] as const) {
    for (const key of ['read', 'written', 'skipped', 'failed'] as const) into[table][key] += add[table][key]
  }
}

/** A config's identity for checkpoints: layout, endpoint, region and table names. */
export function describe(config: StorageConfigInput): string {
  const { backend } = parseStorageConfig(config)
  const tables = layoutFor(config)
    .records.tables.map((t: { name: string }) => t.name)
    .join(',')
  return `${backend.layout}@${backend.endpointUrl ?? `aws:${backend.region}`}/${tables}`
}
