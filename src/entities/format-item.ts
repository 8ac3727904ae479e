/** What this module reads of an ElectroDB entity: its definition and its own formatter. */
export interface FormattableEntity {
  schema: {
    model: { entity: string; version: string }
    attributes: Record<
      string,
      { type: unknown; field?: string; hidden?: boolean; get?: unknown; watch?: unknown }
    >
  }
  parse: (
    response: { Items: Record<string, unknown>[] },
    options?: { ignoreOwnership?: boolean },
  ) => { data: unknown[] } | null
}

type Formatter = (raw: Record<string, unknown>) => Record<string, unknown> | undefined

/** ElectroDB's default identifier attributes, written on every item an entity puts or updates. */
const ENTITY_ATTRIBUTE = '__edb_e__'
const VERSION_ATTRIBUTE = '__edb_v__'

const formatters = new WeakMap<FormattableEntity, Formatter>()

/**
 * The model attributes of a raw item, exactly as `entity.parse` gives them (hidden attributes,
 * keys and identifiers dropped, fields renamed to attributes), or `undefined` when the item is
 * not the entity's. Listings format up to 1,000 items a call: an item stamped with the entity's
 * own identifiers, of an entity without getters or watchers, is renamed directly (a fifth of
 * ElectroDB's per-item cost); anything else, such as an item another tool wrote without
 * identifiers, goes through `entity.parse`, whose key checks decide ownership. A unit test pins
 * both paths to the same output for every entity.
 */
export function formatItem(entity: FormattableEntity, raw: Record<string, unknown>) {
  let formatter = formatters.get(entity)
  if (!formatter) {
    formatter = compile(entity)
    formatters.set(entity, formatter)
  }
  return formatter(raw)
}

/** Whether the item carries the entity's own identifiers: written by this library through the entity. */
export function isOwnItem(entity: FormattableEntity, raw: Record<string, unknown>): boolean {
  const { model } = entity.schema
  return raw[ENTITY_ATTRIBUTE] === model.entity && raw[VERSION_ATTRIBUTE] === model.version
}

/** `entity.parse` of one item (ownership by identifiers or by key shape). */
export function parseItem(entity: FormattableEntity, raw: Record<string, unknown>) {
  return entity.parse({ Items: [raw] }, { ignoreOwnership: true })?.data[0] as
    | Record<string, unknown>
    | undefined
}

function compile(entity: FormattableEntity): Formatter {
  const { model, attributes } = entity.schema
  const definitions = Object.entries(attributes)
  const plain = definitions.every(([, a]) => a.get === undefined && a.watch === undefined)
  if (!plain) return (raw) => parseItem(entity, raw)
  const renames = definitions
    .filter(([, a]) => !a.hidden)
    .map(([name, a]) => [a.field ?? name, name] as const)
  return (raw) => {
    if (raw[ENTITY_ATTRIBUTE] !== model.entity || raw[VERSION_ATTRIBUTE] !== model.version) {
      return parseItem(entity, raw)
    }
    const item: Record<string, unknown> = {}
    for (const [field, name] of renames) {
      const value = raw[field]
      if (value !== undefined) item[name] = value
    }
    return item
  }
}
