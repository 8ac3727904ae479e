import { z } from 'zod'

/** ISO-8601 UTC with milliseconds: the stored form of every time. */
export function toIso(date: Date): string {
  return date.toISOString()
}

const isoDateTime = z.iso.datetime({ offset: true, local: false })

/**
 * A time: a `Date` in the API, accepted as a `Date` or an ISO-8601 string (with or without
 * milliseconds, `Z` or an offset), as items written by other tools hold them.
 */
export const DateTimeSchema = z
  .union([z.date(), isoDateTime])
  .transform((value) => (value instanceof Date ? new Date(value.getTime()) : new Date(value)))
  .refine((date) => !Number.isNaN(date.getTime()), { message: 'Invalid date' })

export const nullableDate = () => DateTimeSchema.nullable().default(null)
export const dateDefaultNow = () => DateTimeSchema.default(() => new Date())
