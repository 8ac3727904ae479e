import type { z } from 'zod'
import { snakeCase } from '../../entities/common.js'
import { type FormattableEntity, formatItem, isOwnItem } from '../../entities/format-item.js'
import { fromOwnStored, fromStored } from '../../model/read.js'

type StoredValue<V> = V extends Date ? string : V

/**
 * The stored shape of a model type: Dates become ISO strings and nullable fields become optional
 * attributes. ElectroDB's put/update types are checked against it, so the entities and the zod
 * schemas cannot drift apart unnoticed.
 */
export type Stored<T> = {
  [K in keyof T as null extends T[K] ? never : K]: StoredValue<T[K]>
} & {
  [K in keyof T as null extends T[K] ? K : never]?: StoredValue<NonNullable<T[K]>>
}

/**
 * The stored form of a model object: Dates as ISO-8601 UTC with milliseconds, nulls left out
 * (absent attributes), everything else as is.
 */
export function toStored<T extends object>(value: T): Stored<T> {
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null || inner === undefined) continue
    out[key] = inner instanceof Date ? inner.toISOString() : inner
  }
  return out as Stored<T>
}

/** Names of the fields that are null in `value`: removed from the item on an update. */
export function nullFields<T extends object>(value: T): (keyof T & string)[] {
  return Object.entries(value)
    .filter(([, inner]) => inner === null || inner === undefined)
    .map(([key]) => key as keyof T & string)
}

const toCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** A record's own keys in snake_case (one level): the documented layout's nested `stats` map. */
export function snakeKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snakeCase(key), inner]))
}

/** The inverse of `snakeKeys`. */
export function camelKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [toCamel(key), inner]))
}

/** Formats a raw item with its ElectroDB entity (checking ownership), then reads it as a model. */
export function readOwned<T>(
  entity: FormattableEntity,
  raw: Record<string, unknown>,
  toModel: (item: unknown) => T,
): T | undefined {
  const item = formatItem(entity, raw)
  return item === undefined ? undefined : toModel(item)
}

/**
 * A raw item as a model: formatted by its entity (`undefined` when not the entity's), read by the
 * schema's fast reader when the library wrote it (`fromOwnStored`), parsed by the schema otherwise.
 */
export function readModel<S extends z.ZodObject>(
  entity: FormattableEntity,
  schema: S,
  raw: Record<string, unknown>,
  what: string,
): z.output<S> | undefined {
  const item = formatItem(entity, raw)
  if (item === undefined) return undefined
  return isOwnItem(entity, raw) ? fromOwnStored(schema, item, what) : fromStored(schema, item, what)
}
