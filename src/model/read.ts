import type { z } from 'zod'
import { StorageError } from '../errors.js'
import { storedReader } from './stored-reader.js'

/** A stored item read back through its schema; an item that no longer parses is a storage fault. */
export function fromStored<S extends z.ZodType>(schema: S, item: unknown, what: string): z.output<S> {
  const result = schema.safeParse(item)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  throw new StorageError(`Stored ${what} is invalid: ${issues}`, { cause: result.error })
}

type Reader = ((item: Record<string, unknown>) => unknown) | null
const readers = new WeakMap<z.ZodType, Reader>()

/**
 * `fromStored` for an item the library wrote itself (validated by `schema` on the way in): read by
 * the schema's compiled reader (`storedReader`), by the schema where the reader cannot vouch.
 */
export function fromOwnStored<S extends z.ZodObject>(schema: S, item: unknown, what: string): z.output<S> {
  let reader = readers.get(schema)
  if (reader === undefined) {
    reader = storedReader(schema) as Reader
    readers.set(schema, reader)
  }
  const fast =
    reader && typeof item === 'object' && item !== null ? reader(item as Record<string, unknown>) : undefined
  return (fast as z.output<S> | undefined) ?? fromStored(schema, item, what)
}
