import { createHash } from 'node:crypto'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { StorageConfigInput } from '../config.js'
import { layoutFor } from '../services/factory.js'
import type { Layout } from '../services/layout.js'
import type { LogicalRecord, LogicalTable } from '../services/migration-codec.js'

export interface VerifyOptions {
  source: StorageConfigInput
  target: StorageConfigInput
  /** Parallel Scan segments per table; default 4. */
  segments?: number
}

export interface VerifyDifference {
  table: LogicalTable
  key: string
  kind: 'missing-in-target' | 'extra-in-target' | 'different'
}

export interface VerifyReport {
  /** True only when every logical table's count and every item digest match. */
  ok: boolean
  tables: Record<LogicalTable, { source: number; target: number; matched: number }>
  differences: VerifyDifference[]
  /** Items of either side that did not read as valid records. */
  invalid: { side: 'source' | 'target'; table: string; reason: string }[]
  error?: string | null
  durationMs: number
}

/**
 * Compares the logical data of two layouts: per logical table, the record counts and a SHA-256
 * digest of every record (its canonical JSON), listing every record missing, extra or different.
 */
export async function verifyLayouts(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now()
  const tables = {} as VerifyReport['tables']
  const differences: VerifyDifference[] = []
  const invalid: VerifyReport['invalid'] = []
  const layouts: Layout[] = []
  try {
    const source = layoutFor(options.source)
    const target = layoutFor(options.target)
    layouts.push(source, target)
    const [left, right] = await Promise.all([
      digests(source, options.segments ?? 4, (table, reason) =>
        invalid.push({ side: 'source', table, reason }),
      ),
      digests(target, options.segments ?? 4, (table, reason) =>
        invalid.push({ side: 'target', table, reason }),
      ),
    ])
    for (const table of ['sites', 'runs', 'pages', 'versions', 'frontier', 'pageCounts'] as const) {
      const a = left.get(table) ?? new Map<string, string>()
      const b = right.get(table) ?? new Map<string, string>()
      let matched = 0
      for (const [key, digest] of a) {
        const other = b.get(key)
        if (other === undefined) differences.push({ table, key, kind: 'missing-in-target' })
        else if (other !== digest) differences.push({ table, key, kind: 'different' })
        else matched++
      }
      for (const key of b.keys()) if (!a.has(key)) differences.push({ table, key, kind: 'extra-in-target' })
      tables[table] = { source: a.size, target: b.size, matched }
    }
    return {
      ok: differences.length === 0 && invalid.length === 0,
      tables,
      differences,
      invalid,
      durationMs: Date.now() - started,
    }
  } catch (error) {
    return {
      ok: false,
      tables,
      differences,
      invalid,
      error: (error as Error)?.message ?? String(error),
      durationMs: Date.now() - started,
    }
  } finally {
    await Promise.all(layouts.map((layout) => layout.transport.close()))
  }
}

/** Every logical record of a layout: table → record key → digest. */
async function digests(
  layout: Layout,
  segments: number,
  onInvalid: (table: string, reason: string) => void,
): Promise<Map<LogicalTable, Map<string, string>>> {
  const result = new Map<LogicalTable, Map<string, string>>()
  const add = (record: LogicalRecord) => {
    const byKey = result.get(record.table) ?? new Map<string, string>()
    result.set(record.table, byKey)
    byKey.set(recordKey(record), digestOf(record.value))
  }
  await Promise.all(
    layout.records.tables.flatMap(({ name }) =>
      Array.from({ length: segments }, async (_, segment) => {
        let start: Record<string, unknown> | undefined
        do {
          const output = (await layout.transport.send(
            new ScanCommand({
              TableName: name,
              Segment: segment,
              TotalSegments: segments,
              ExclusiveStartKey: start,
            }),
          )) as { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }
          for (const raw of output.Items ?? []) {
            for (const read of await layout.records.read(raw, name)) {
              if (read.kind === 'record') add(read.record)
              else if (read.kind === 'invalid') onInvalid(read.table, read.reason)
            }
          }
          start = output.LastEvaluatedKey
        } while (start)
      }),
    ),
  )
  return result
}

/** A record's identity within its logical table. */
export function recordKey(record: LogicalRecord): string {
  switch (record.table) {
    case 'sites':
    case 'pageCounts':
      return JSON.stringify([record.value.siteId])
    case 'runs':
      return JSON.stringify([record.value.runId])
    case 'pages':
      return JSON.stringify([record.value.siteId, record.value.pageId])
    case 'versions':
      return JSON.stringify([record.value.pageId, record.value.versionId])
    case 'frontier':
      return JSON.stringify([record.value.runId, record.value.itemId])
  }
}

/** SHA-256 of canonical JSON: keys sorted at every depth, Dates as ISO strings. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex')
}

function canonical(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
