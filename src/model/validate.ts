import type { z } from 'zod'
import { ValidationError } from '../errors.js'

/** Parses `value` with `schema`, or throws a `ValidationError` naming every offending path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, label?: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: [label, ...issue.path.map(String)].filter(Boolean).join('.'),
      message: issue.message,
    })),
    { cause: result.error },
  )
}
