import type { z } from 'zod'
import { DateTimeSchema } from './time.js'

type Kind = 'string' | 'number' | 'boolean' | 'date' | 'enum'

interface Field {
  name: string
  kind: Kind
  nullable: boolean
  /** The schema's default for an absent attribute (read each time: defaults may be fresh objects). */
  fallback: (() => unknown) | undefined
  /** An enum's values. */
  values?: Set<unknown>
}

/** What this module reads of a zod 4 schema's definition. */
interface Definition {
  type: string
  innerType?: z.ZodType
  defaultValue?: unknown
  entries?: Record<string, unknown>
}

/** Times are stored as ISO-8601 (see `toIso`); anything else is left to the schema. */
const ISO_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/

const definitionOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Definition } })._zod.def

/**
 * A reader of the items the library itself wrote, compiled from the zod object schema that
 * validated them on the way in: each field is checked by kind (string, number, boolean, enum, time) and
 * converted as the schema converts it (ISO strings become Dates, absent attributes take the
 * schema's defaults), without zod's second pass over constraints the write already enforced.
 * Answers `undefined` for an item it cannot vouch for — a field of another kind, an absent
 * required one — which the caller then parses with the schema itself, whose error names the
 * field. Returns `null` for a schema with a field of another kind (read with zod only).
 * A unit test pins its output to the schema's own for every stored shape.
 */
export function storedReader<S extends z.ZodObject>(
  schema: S,
): ((item: Record<string, unknown>) => z.output<S> | undefined) | null {
  const fields: Field[] = []
  for (const [name, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let inner = fieldSchema
    let nullable = false
    let fallback: (() => unknown) | undefined
    for (;;) {
      const def = definitionOf(inner)
      if (def.type === 'default') {
        const holder = def
        fallback ??= () => structuredClone(holder.defaultValue)
      } else if (def.type === 'nullable') {
        nullable = true
      } else break
      inner = def.innerType!
    }
    const { type, entries } = definitionOf(inner)
    const kind: Kind | undefined =
      inner === DateTimeSchema
        ? 'date'
        : type === 'string' || type === 'number' || type === 'boolean' || type === 'enum'
          ? type
          : undefined
    if (kind === undefined) return null
    fields.push({
      name,
      kind,
      nullable,
      fallback,
      ...(entries ? { values: new Set(Object.values(entries)) } : {}),
    })
  }
  return (item) => {
    const out: Record<string, unknown> = {}
    for (const { name, kind, nullable, fallback, values } of fields) {
      const value = item[name]
      if (value === undefined) {
        if (!fallback) return undefined
        out[name] = fallback()
      } else if (value === null) {
        if (!nullable) return undefined
        out[name] = null
      } else if (kind === 'date') {
        if (typeof value !== 'string' || !ISO_START.test(value)) return undefined
        const date = new Date(value)
        if (Number.isNaN(date.getTime())) return undefined
        out[name] = date
      } else if (kind === 'enum') {
        if (!values!.has(value)) return undefined
        out[name] = value
      } else if (kind === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
        out[name] = value
      } else {
        if (typeof value !== kind) return undefined
        out[name] = value
      }
    }
    return out as z.output<S>
  }
}
