import type { PutCommandInput, QueryCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { createConversions } from 'electrodb'
import { conjunction } from '../services/plumbing/update-expression.js'

// Requests of an ElectroDB entity built from ElectroDB's keys (`createConversions`) without its
// request builders, for the hot paths: the builders' CPU per call is ten times the keys'.

/** What this module reads of an ElectroDB entity (untyped in ElectroDB's types): its model, indexes and attribute fields. */
interface EntityInternals {
  schema: {
    model: { entity: string; version: string }
    attributes: Record<string, { field?: string }>
  }
  model: {
    table: string
    indexes: Record<
      string,
      {
        index: string
        pk?: { facets: string[] }
        sk?: { facets: string[] }
        conditionDefined?: boolean
        condition?: (attributes: object) => boolean
      }
    >
    translations: { keys: Record<string, { pk: string; sk?: string }> }
  }
}

/** A replacing update: every attribute it names is SET, REMOVEd or ADDed. */
export interface EntityUpdate {
  /** Attribute → stored value; must include every composite attribute of the entity's indexes. */
  set: Record<string, unknown>
  remove?: readonly string[]
  add?: Record<string, number>
  /** A condition over `#<attribute>` names (`#revision`) and `:`-values given in `conditionValues`. */
  condition?: string
  conditionValues?: Record<string, unknown>
}

const ENTITY_ATTRIBUTE = '__edb_e__'
const VERSION_ATTRIBUTE = '__edb_v__'

interface Compiled {
  table: string
  /** Every secondary index: its composite attributes, key fields and condition (sparse only). */
  indexes: {
    accessPattern: string
    pk: string[]
    sk: string[]
    keys: string[]
    condition: ((attributes: object) => boolean) | undefined
  }[]
  /** Attributes that make up some index key. */
  composites: Set<string>
  /** An index's key values from composites (those of the table index blank where absent). */
  indexValues: (accessPattern: string, composite: Record<string, unknown>) => Record<string, unknown>
  /** An index's name and key attribute values, the table index's composites blank where not given. */
  indexKey: (
    accessPattern: string,
    composite: Record<string, unknown>,
  ) => { index: string; key: [string, unknown][] }
  toKeys: (composite: Record<string, unknown>) => Record<string, unknown>
  primaryKey: (composite: Record<string, unknown>) => Record<string, unknown>
  /** The primary key's attribute names, and each sparse index's key attributes with its condition. */
  primary: string[]
  sparse: { condition: (attributes: object) => boolean; keys: string[] }[]
  field: (attribute: string) => string
  identity: { entity: string; version: string }
}

const compiled = new WeakMap<object, Compiled>()

/**
 * The UpdateItem ElectroDB's `update(key).set(set).remove(remove).add(add)` builds for an update
 * that sets every composite attribute of the entity: the same SETs (attributes, every index key,
 * the key composites, ElectroDB's identifiers), the same REMOVEs (null fields, and the keys of
 * sparse indexes whose condition is false), the same ADDs. The keys come from ElectroDB
 * (`createConversions`), the expression is written here with short placeholders: a tenth of
 * the builder's CPU, and a shorter request for the engine to parse. A unit test pins it to
 * ElectroDB's own `params()` for each entity that uses it.
 */
export function entityUpdate(
  entity: object,
  update: EntityUpdate,
  given?: { keys: Record<string, unknown>; removeKeys: string[] },
): UpdateCommandInput {
  const c = compiledOf(entity)
  const keys = given?.keys ?? c.toKeys(update.set)
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  const sets: string[] = []
  const removes: string[] = []
  let n = 0
  const name = (field: string) => {
    const placeholder = `#p${n++}`
    names[placeholder] = field
    return placeholder
  }
  const assign = (field: string, value: unknown) => {
    const placeholder = name(field)
    values[`:p${n - 1}`] = value
    sets.push(`${placeholder} = :p${n - 1}`)
  }
  for (const attribute in update.set) {
    const value = update.set[attribute]
    if (value !== undefined) assign(c.field(attribute), value)
  }
  const dropped = new Set<string>(given?.removeKeys)
  if (!given) {
    for (const index of c.sparse) {
      if (!index.condition(update.set)) for (const key of index.keys) dropped.add(key)
    }
  }
  const key: Record<string, unknown> = {}
  for (const field in keys) {
    if (c.primary.includes(field)) key[field] = keys[field]
    else if (!dropped.has(field)) assign(field, keys[field])
  }
  assign(ENTITY_ATTRIBUTE, c.identity.entity)
  assign(VERSION_ATTRIBUTE, c.identity.version)
  for (const attribute of update.remove ?? []) removes.push(name(c.field(attribute)))
  for (const field of dropped) removes.push(name(field))
  const adds: string[] = []
  for (const attribute in update.add ?? {}) {
    const placeholder = name(c.field(attribute))
    values[`:p${n - 1}`] = update.add![attribute]
    adds.push(`${placeholder} :p${n - 1}`)
  }
  let condition: string | undefined
  if (update.condition !== undefined) {
    condition = update.condition.replace(/#(\w+)/g, (_, attribute: string) => {
      const placeholder = `#c_${attribute}`
      names[placeholder] = c.field(attribute)
      return placeholder
    })
    Object.assign(values, update.conditionValues)
  }
  const expression = [
    `SET ${sets.join(', ')}`,
    ...(removes.length > 0 ? [`REMOVE ${removes.join(', ')}`] : []),
    ...(adds.length > 0 ? [`ADD ${adds.join(', ')}`] : []),
  ].join(' ')
  return {
    TableName: c.table,
    Key: key,
    UpdateExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ...(condition === undefined ? {} : { ConditionExpression: condition }),
  }
}

/**
 * The Query of one partition of an entity's index, as ElectroDB's `query[accessPattern](composite)`
 * builds it when `composite` holds every composite attribute of the index (its pk and its whole
 * sk): key equality on both, items of other entities kept out by the sk's entity prefix.
 */
export function entityIndexQuery(
  entity: object,
  accessPattern: string,
  composite: Record<string, unknown>,
  sortFrom?: 'gte',
): QueryCommandInput {
  const c = compiledOf(entity)
  const { index, key } = c.indexKey(accessPattern, composite)
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  const conditions = key.map(([field, value], i) => {
    names[`#k${i}`] = field
    values[`:k${i}`] = value
    return `#k${i} ${i === 1 && sortFrom === 'gte' ? '>=' : '='} :k${i}`
  })
  return {
    TableName: c.table,
    ...(index === '' ? {} : { IndexName: index }),
    KeyConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  }
}

/**
 * The PutItem ElectroDB's `put(attributes)` builds: the attributes (undefined ones left out), every
 * index key (a sparse index's only while its condition holds) and ElectroDB's identifiers.
 */
export function entityPut(entity: object, attributes: Record<string, unknown>): PutCommandInput {
  const c = compiledOf(entity)
  const keys = c.toKeys(attributes)
  for (const index of c.sparse) {
    if (!index.condition(attributes)) for (const key of index.keys) delete keys[key]
  }
  const item: Record<string, unknown> = {}
  for (const attribute in attributes) {
    const value = attributes[attribute]
    if (value !== undefined) item[c.field(attribute)] = value
  }
  Object.assign(item, keys)
  item[ENTITY_ATTRIBUTE] = c.identity.entity
  item[VERSION_ATTRIBUTE] = c.identity.version
  return { TableName: c.table, Item: item }
}

/** What a condition callback (ElectroDB's `where` shape) gets: attribute references and operations. */
export interface ConditionOperations {
  eq(attribute: unknown, value: unknown): string
  ne(attribute: unknown, value: unknown): string
  notExists(attribute: unknown): string
}
/** Called with attribute references (typed by the caller's own attribute interface). */
export type ConditionCallback = (attributes: never, op: ConditionOperations) => string

/** A partial update: ElectroDB's `update(key)` / `patch(key)` `.set(set).remove(remove).add(add).where(where)`. */
export interface EntityPatch {
  how: 'update' | 'patch'
  key: Record<string, unknown>
  set: Record<string, unknown>
  remove?: readonly string[]
  add?: Record<string, number>
  where?: ConditionCallback
}

/**
 * The UpdateItem ElectroDB builds for a partial update, or `undefined` where this does not follow
 * ElectroDB's index-key maintenance (the caller then lets ElectroDB build it): an index key is
 * rewritten when the update sets one of its composite attributes, from the key's and the set's
 * composites (all of them present, else `undefined`); a sparse index's keys both, or removed when
 * its condition fails; removing a composite attribute is left to ElectroDB. A `patch` also demands
 * that the item exists. A unit test pins it to ElectroDB's params for every frontier write.
 */
export function entityPatch(entity: object, patch: EntityPatch): UpdateCommandInput | undefined {
  const c = compiledOf(entity)
  const known = { ...patch.key, ...patch.set }
  if (patch.remove?.some((attribute) => c.composites.has(attribute))) return undefined
  const setKeys: Record<string, unknown> = {}
  const removeKeys: string[] = []
  for (const index of c.indexes) {
    const pkTouched = index.pk.some((a) => a in patch.set)
    const skTouched = index.sk.some((a) => a in patch.set)
    if (!pkTouched && !skTouched) continue
    const parts = index.condition
      ? ['pk', 'sk']
      : [...(pkTouched ? ['pk'] : []), ...(skTouched ? ['sk'] : [])]
    if (index.condition && !index.condition(known)) {
      removeKeys.push(...index.keys)
      continue
    }
    const needed = parts.flatMap((part) => (part === 'pk' ? index.pk : index.sk))
    if (needed.some((a) => known[a] === undefined)) return undefined
    const values = c.indexValues(index.accessPattern, known)
    parts.forEach((part) => {
      const field = index.keys[part === 'pk' ? 0 : 1]
      if (field !== undefined) setKeys[field] = values[field]
    })
  }
  const primaryKey = c.primaryKey(patch.key)
  const input = entityUpdate(
    entity,
    {
      set: { ...patch.set, ...patch.key },
      ...(patch.remove ? { remove: patch.remove } : {}),
      ...(patch.add ? { add: patch.add } : {}),
    },
    { keys: { ...primaryKey, ...setKeys }, removeKeys },
  )
  const names = input.ExpressionAttributeNames!
  const values = input.ExpressionAttributeValues!
  const conditions: (string | undefined)[] = []
  if (patch.how === 'patch') {
    conditions.push(
      ...c.primary.map((field, i) => {
        names[`#e${i}`] = field
        return `attribute_exists(#e${i})`
      }),
    )
  }
  if (patch.where) conditions.push(whereText(patch.where, c, names, values))
  const condition = conjunction(...conditions)
  return condition === undefined ? input : { ...input, ConditionExpression: condition }
}

const ATTRIBUTE = Symbol('attribute')

/** The text of a condition callback, its names and values added to the request's. */
function whereText(
  where: ConditionCallback,
  c: Compiled,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  let n = 0
  const attributes = new Proxy({} as Record<string, unknown>, {
    get: (_, attribute) => ({ [ATTRIBUTE]: String(attribute) }),
  })
  const name = (reference: unknown) => {
    const attribute = (reference as { [ATTRIBUTE]?: string })?.[ATTRIBUTE]
    if (attribute === undefined) throw new Error('A condition names an attribute it was not given')
    const placeholder = `#w_${attribute}`
    names[placeholder] = c.field(attribute)
    return placeholder
  }
  const value = (v: unknown) => {
    const placeholder = `:w${n++}`
    values[placeholder] = v
    return placeholder
  }
  const added: string[] = []
  const track = (placeholder: string) => {
    added.push(placeholder)
    return placeholder
  }
  const text = where(attributes as never, {
    eq: (attribute, v) => `${track(name(attribute))} = ${track(value(v))}`,
    ne: (attribute, v) => `${track(name(attribute))} <> ${track(value(v))}`,
    notExists: (attribute) => `attribute_not_exists(${track(name(attribute))})`,
  })
  // A callback may build a clause it leaves out (as ElectroDB's callers do): its placeholders go.
  const used = new Set(text.match(/[#:]\w+/g))
  for (const placeholder of added) {
    if (used.has(placeholder)) continue
    if (placeholder.startsWith('#')) delete names[placeholder]
    else delete values[placeholder]
  }
  return text
}

/** The item's primary key from its composite attributes, as ElectroDB's `get(composite)` builds it. */
export function entityKey(entity: object, composite: Record<string, unknown>): Record<string, unknown> {
  return compiledOf(entity).primaryKey(composite)
}

function compiledOf(electroEntity: object): Compiled {
  let found = compiled.get(electroEntity)
  if (found) return found
  const entity = electroEntity as EntityInternals
  type ToKeys = { toKeys(composite: object, options: { strict: 'all' | 'pk' }): Record<string, unknown> }
  const conversions = createConversions(entity as never) as {
    fromComposite: ToKeys
    byAccessPattern: Record<string, { fromComposite: ToKeys }>
  }
  const { indexes, translations, table } = entity.model
  const keysOf = (indexName: string) => {
    const k = translations.keys[indexName]!
    return k.sk === undefined ? [k.pk] : [k.pk, k.sk]
  }
  const attributes = entity.schema.attributes
  const [primaryPattern] = Object.entries(indexes).find(([, index]) => index.index === '')!
  const primary = conversions.byAccessPattern[primaryPattern]!
  const primaryComposites = [
    ...(indexes[primaryPattern]!.pk?.facets ?? []),
    ...(indexes[primaryPattern]!.sk?.facets ?? []),
  ]
  const secondary = Object.entries(indexes)
    .filter(([, index]) => index.index !== '')
    .map(([accessPattern, index]) => ({
      accessPattern,
      pk: index.pk?.facets ?? [],
      sk: index.sk?.facets ?? [],
      keys: keysOf(index.index),
      condition: index.conditionDefined ? index.condition : undefined,
    }))
  const blanks = Object.fromEntries(primaryComposites.map((name) => [name, '']))
  found = {
    table,
    indexes: secondary,
    composites: new Set(
      Object.values(indexes).flatMap((index) => [...(index.pk?.facets ?? []), ...(index.sk?.facets ?? [])]),
    ),
    indexValues: (accessPattern, composite) =>
      conversions.byAccessPattern[accessPattern]!.fromComposite.toKeys(
        { ...blanks, ...composite },
        { strict: 'pk' },
      ),
    indexKey: (accessPattern, composite) => {
      const { index } = indexes[accessPattern]!
      const all = conversions.byAccessPattern[accessPattern]!.fromComposite.toKeys(
        { ...blanks, ...composite },
        { strict: 'all' },
      )
      return { index, key: keysOf(index).map((field) => [field, all[field]] as [string, unknown]) }
    },
    toKeys: (composite) => conversions.fromComposite.toKeys(composite, { strict: 'all' }),
    primaryKey: (composite) => primary.fromComposite.toKeys(composite, { strict: 'all' }),
    primary: keysOf(''),
    sparse: Object.values(indexes)
      .filter((index) => index.conditionDefined && index.condition)
      .map((index) => ({ condition: index.condition!, keys: keysOf(index.index) })),
    field: (attribute) => attributes[attribute]?.field ?? attribute,
    identity: entity.schema.model,
  }
  compiled.set(electroEntity, found)
  return found
}
