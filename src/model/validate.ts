import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'

/**
 * Parses `value` with `schema`, or throws a `ValidationError` naming every offending path (an
 * unknown key of a strict object is named by its own path).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, label?: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new ValidationError(
    result.error.issues.flatMap((issue) => issuesOf(issue, label)),
    {
      cause: result.error,
    },
  )
}

function issuesOf(issue: z.core.$ZodIssue, label: string | undefined): ValidationIssue[] {
  const at = (path: PropertyKey[]) => [label, ...path.map(String)].filter(Boolean).join('.')
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'is not a known option' }))
  }
  return [{ path: at(issue.path), message: issue.message }]
}
