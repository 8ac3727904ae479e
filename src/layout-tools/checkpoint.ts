import { randomUUID } from 'node:crypto'
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { LogicalTable } from '../services/migration-codec.js'

export interface TableCounts {
  read: number
  written: number
  skipped: number
  failed: number
}

export interface InvalidItem {
  table: LogicalTable | 'unknown'
  key: Record<string, unknown>
  reason: string
}

/** Where a migration is: per physical table and Scan segment, the key to resume after, or done. */
export interface CheckpointState {
  version: 1
  migrationId: string
  source: string
  target: string
  segments: number
  positions: Record<string, (Record<string, unknown> | 'done' | null)[]>
  counts: Record<string, TableCounts>
  invalid: InvalidItem[]
  completed: boolean
}

export function newCheckpoint(
  source: string,
  target: string,
  segments: number,
  tables: string[],
): CheckpointState {
  return {
    version: 1,
    migrationId: randomUUID(),
    source,
    target,
    segments,
    positions: Object.fromEntries(tables.map((t) => [t, Array.from({ length: segments }, () => null)])),
    counts: {},
    invalid: [],
    completed: false,
  }
}

export async function loadCheckpoint(path: string): Promise<CheckpointState | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CheckpointState
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Saves checkpoints one at a time, each atomically (a temporary file renamed over the old one). */
export class CheckpointWriter {
  private chain: Promise<void> = Promise.resolve()
  /** Unique per writer: two runs in one process never share a temporary file. */
  private readonly temporary: string | undefined

  constructor(private readonly path: string | undefined) {
    this.temporary = path && `${path}.${process.pid}.${randomUUID()}.tmp`
  }

  save(state: CheckpointState): Promise<void> {
    return this.enqueue(state, (temporary, path) => rename(temporary, path))
  }

  /**
   * Saves a new checkpoint only if none is there yet: of two runs started at once with the same
   * new checkpoint file, one creates it and the other fails, writing nothing.
   */
  create(state: CheckpointState): Promise<void> {
    return this.enqueue(state, async (temporary, path) => {
      try {
        await link(temporary, path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new Error(`checkpoint ${path} was created by another run at the same time`)
        throw error
      } finally {
        await unlink(temporary).catch(() => {})
      }
    })
  }

  private enqueue(state: CheckpointState, place: (temporary: string, path: string) => Promise<void>) {
    if (!this.path || !this.temporary) return Promise.resolve()
    const { path, temporary } = this
    const json = JSON.stringify(state)
    this.chain = this.chain.then(async () => {
      await mkdir(dirname(path), { recursive: true })
      await writeFile(temporary, json)
      await place(temporary, path)
    })
    return this.chain
  }
}
