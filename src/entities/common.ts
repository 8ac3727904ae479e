import { Entity, type Schema } from 'electrodb'
import type { DynamoDBClientLike } from '../config.js'

/**
 * Options of every ElectroDB `go()`: the SDK's own error, unwrapped. Without it ElectroDB builds
 * (and captures a stack for) a wrapping error on every call, failed or not — the largest single
 * cost ElectroDB adds to a GetItem; the backend translates AWS errors itself (`toStorageError`).
 */
export const ORIGINAL_ERRORS = { originalErr: true } as const

/** The ElectroDB service name: the first token of every single-table key. */
export const SERVICE = 'ragcrawl'

/** Every key keeps case: ids, hashes and URLs are case-sensitive (`/A` is not `/a`). */
export const CASE_KEPT = 'none' as const

export interface EntityOptions {
  table: string
  client: DynamoDBClientLike
}

/** Physical attribute names of the single table's keys. */
export const SINGLE_TABLE_KEYS = {
  primary: { pk: 'pk', sk: 'sk' },
  gsi1: { pk: 'gsi1pk', sk: 'gsi1sk' },
  gsi2: { pk: 'gsi2pk', sk: 'gsi2sk' },
  gsi3: { pk: 'gsi3pk', sk: 'gsi3sk' },
  gsi4: { pk: 'gsi4pk', sk: 'gsi4sk' },
  /** The change feed (sparse, pages only): written by the page save itself, not by ElectroDB. */
  gsi5: { pk: 'gsi5pk', sk: 'gsi5sk' },
} as const

/** The TTL attribute (epoch seconds) set on finished frontier items. */
export const TTL_ATTRIBUTE = 'ttl'

export const hiddenKey = { type: 'string', required: true, hidden: true } as const

/** The named attributes, each a hidden key part: written for the keys, never returned. */
export function hiddenKeys<const K extends string>(...names: K[]): Record<K, typeof hiddenKey> {
  return Object.fromEntries(names.map((name) => [name, hiddenKey])) as Record<K, typeof hiddenKey>
}

/** Every entity's model: `version` is stamped on each item it writes (`__edb_v__`). */
export function entityModel(entity: string) {
  return { entity, version: '1', service: SERVICE }
}

/** The ElectroDB entity `name` of the service: its attributes and indexes, typed as given. */
export function defineEntity<
  A extends string,
  F extends string,
  C extends string,
  const S extends Omit<Schema<A, F, C>, 'model'>,
>(name: string, options: EntityOptions, schema: S) {
  return new Entity({ model: entityModel(name), ...schema }, options)
}

type SecondaryIndexName = Exclude<keyof typeof SINGLE_TABLE_KEYS, 'primary'>

export interface IndexOptions {
  collection?: string
  condition?: (attributes: Record<string, unknown>) => boolean
}

/** A key of the single table: its physical field, built from the composite attributes, case kept. */
function compositeKey<const C extends readonly string[]>(field: string, composite: C) {
  return { field, composite, casing: CASE_KEPT }
}

/** The single table's primary index (`pk`, `sk`) built from the given attributes. */
export function primaryIndex<const P extends readonly string[], const S extends readonly string[]>(
  pk: P,
  sk: S,
) {
  const { primary } = SINGLE_TABLE_KEYS
  return { pk: compositeKey(primary.pk, pk), sk: compositeKey(primary.sk, sk) }
}

/**
 * One of the single table's GSIs (`gsiNpk`, `gsiNsk`) built from the given attributes; `options`
 * are the index's collection or (sparse index) condition.
 */
export function secondaryIndex<
  const I extends SecondaryIndexName,
  const P extends readonly string[],
  const S extends readonly string[],
  const O extends IndexOptions = Record<never, never>,
>(index: I, pk: P, sk: S, options?: O) {
  const keys = SINGLE_TABLE_KEYS[index]
  return { index, ...(options as O), pk: compositeKey(keys.pk, pk), sk: compositeKey(keys.sk, sk) }
}

/** gsi4 (keys only): pk = site, so that deleting a site finds its items; `sk` keeps them apart. */
export function siteMembersIndex<const S extends readonly string[]>(sk: S) {
  return secondaryIndex('gsi4', ['siteKey'], sk)
}
/** Attribute definitions of the model's fields, by kind: `field.text`, `field.requiredText`, … */
export const field = {
  text: { type: 'string' },
  requiredText: { type: 'string', required: true },
  num: { type: 'number' },
  bool: { type: 'boolean' },
  stringList: { type: 'list', items: { type: 'string' } },
  anyValue: { type: 'any' },
} as const

/** `lastCrawled` → `last_crawled`: the documented layout's attribute names. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

type Attribute = { readonly type: unknown }

/** The same attributes, each stored under its snake_case field name (the documented layout). */
export function snakeFields<const A extends Record<string, Attribute>>(
  attributes: A,
): { [K in keyof A]: A[K] & { readonly field: string } } {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => [name, { ...attribute, field: snakeCase(name) }]),
  ) as { [K in keyof A]: A[K] & { readonly field: string } }
}

/** A key that is an attribute's plain value (documented layout): no prefixes, case kept. */
export function plainKey<const F extends string, const C extends string>(field: F, attribute: C) {
  return { field, composite: [attribute] as [C], template: `\${${attribute}}`, casing: CASE_KEPT }
}

/** The key builders, by kind: `key.primary`, `key.secondary`, `key.siteMembers`, `key.plain`, `key.hidden`. */
export const key = {
  primary: primaryIndex,
  secondary: secondaryIndex,
  siteMembers: siteMembersIndex,
  plain: plainKey,
  hidden: hiddenKeys,
}
