import type { z } from 'zod'
import { StorageError } from '../errors.js'

/** A stored item read back through its schema; an item that no longer parses is a storage fault. */
export function fromStored<S extends z.ZodType>(schema: S, item: unknown, what: string): z.output<S> {
  const result = schema.safeParse(item)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  throw new StorageError(`Stored ${what} is invalid: ${issues}`, { cause: result.error })
}
