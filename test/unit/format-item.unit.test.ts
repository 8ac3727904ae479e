import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import type { Transport } from '../../src/engine/transport.js'
import { type FormattableEntity, formatItem, parseItem } from '../../src/entities/format-item.js'
import { multiTableEntities } from '../../src/services/multi-table/context.js'
import { singleTableService } from '../../src/services/single-table/service.js'
import { multiTableNames } from '../../src/tables/multi-table.js'

type Item = Record<string, unknown>
type Definition = { type: unknown; required?: boolean }
type Buildable = FormattableEntity & { put: (item: Item) => { params: () => { Item: Item } } }

// Never sends a request: the entities only build parameters and format items here.
const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9' })
const single = singleTableService('t', client).entities
const multi = multiTableEntities(
  multiTableNames({ tablePrefix: 'p_' } as never),
  client as unknown as Transport,
)
const ENTITIES: [string, Buildable][] = [
  ...Object.entries(single).map(
    ([name, e]) => [`single-table ${name}`, e as unknown as Buildable] as [string, Buildable],
  ),
  ...Object.entries(multi).map(
    ([name, e]) => [`multi-table ${name}`, e as unknown as Buildable] as [string, Buildable],
  ),
]

function valueFor(name: string, definition: Definition, variant: number): unknown {
  const type = definition.type
  if (Array.isArray(type)) return type[variant % type.length]
  switch (type) {
    case 'number':
      return 7 + variant
    case 'boolean':
      return variant % 2 === 0
    case 'list':
      return [`${name}-a`, `${name}-b#${variant}`]
    case 'any':
      return { nested: { name, variant }, list: [1, 'two'] }
    default:
      return `${name}:${variant}#x`
  }
}

type IndexDefinition = { condition?: unknown; pk?: { composite?: string[] }; sk?: { composite?: string[] } }

/** Composites of sparse (condition) indexes: ElectroDB wants all of them on a put, required or not. */
function sparseComposites(entity: Buildable): Set<string> {
  const indexes = Object.values(
    (entity.schema as { indexes?: Record<string, IndexDefinition> }).indexes ?? {},
  )
  return new Set(
    indexes
      .filter((index) => index.condition !== undefined)
      .flatMap((index) => [...(index.pk?.composite ?? []), ...(index.sk?.composite ?? [])]),
  )
}

/** A stored item of `entity` written through ElectroDB: every attribute, or only the required ones. */
function storedItem(entity: Buildable, variant: number, onlyRequired: boolean): Item {
  const input: Item = {}
  const sparse = sparseComposites(entity)
  for (const [name, definition] of Object.entries(entity.schema.attributes) as [string, Definition][]) {
    if (onlyRequired && !definition.required && !sparse.has(name)) continue
    input[name] = valueFor(name, definition, variant)
  }
  return entity.put(input).params().Item
}

describe('formatItem gives exactly what entity.parse gives', () => {
  for (const [label, entity] of ENTITIES) {
    it(label, () => {
      const cases: Item[] = []
      for (let variant = 0; variant < 3; variant++) {
        const full = storedItem(entity, variant, false)
        cases.push(full, storedItem(entity, variant, true))
        const { __edb_e__: _e, __edb_v__: _v, ...withoutIdentifiers } = full
        cases.push(withoutIdentifiers, { ...full, __edb_v__: '2' }, { ...full, __edb_e__: 'other' })
        const withNull = { ...full }
        const texts = Object.keys(withNull).filter((key) => typeof withNull[key] === 'string')
        for (const key of texts.slice(-3)) withNull[key] = null
        cases.push(withNull)
      }
      for (const [, other] of ENTITIES) if (other !== entity) cases.push(storedItem(other, 0, false))
      for (const raw of cases) expect(formatItem(entity, raw)).toEqual(parseItem(entity, raw))
      // The fast path is taken (and yields the model) for the entity's own items.
      expect(formatItem(entity, storedItem(entity, 0, false))).toBeDefined()
    })
  }
})
