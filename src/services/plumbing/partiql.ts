import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { topLevelParts } from './item-size.js'
import { updateClauses } from './update-expression.js'

// A PartiQL statement equivalent to an UpdateItem, for BatchExecuteStatement (25 statements a
// request, where UpdateItem has no batch form). PartiQL has no if_not_exists, no ADD and no
// UPDATED_OLD, so the statement is built for the item as it was read just before: every operand
// the update reads is taken from that read, and the statement is conditional on the item still
// holding those values (pinned), so it applies exactly what the UpdateItem would have, or fails
// its condition. The values it replaces (UPDATED_OLD) come from the same read.

/** A PartiQL statement with its parameters, and what the UpdateItem would have answered as UPDATED_OLD. */
export interface BuiltStatement {
  Statement: string
  Parameters: unknown[]
  old: Record<string, unknown>
}

/** An UpdateItem turned into a statement once the item's current values are known. */
export interface StatementPlan {
  table: string
  key: Record<string, unknown>
  /** Attributes to read first: those the update reads or replaces. */
  projection: string[]
  /**
   * The statement for the item as read (`undefined`: no item): an INSERT for a new item, else an
   * UPDATE pinned to the values read. `undefined` when the update's own condition fails on it.
   */
  statementFor(stored: Record<string, unknown> | undefined): BuiltStatement | undefined
}

type Operand =
  | { kind: 'value'; token: string }
  | { kind: 'path'; name: string }
  | { kind: 'ifNotExists'; name: string; fallback: Operand }
  | { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand }

type Condition =
  | { kind: 'and' | 'or'; parts: Condition[] }
  | { kind: 'not'; inner: Condition }
  | { kind: 'exists'; name: string; exists: boolean }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }

class Unsupported extends Error {}

/**
 * The plan of `input`'s statement, or `undefined` when it uses what is not translated here
 * (nested paths, sets, DELETE, functions other than if_not_exists / attribute_exists /
 * attribute_not_exists): such an update is sent as an UpdateItem.
 */
export function planStatement(input: UpdateCommandInput): StatementPlan | undefined {
  try {
    return plan(input)
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}

/** An update's expressions parsed, its values left as placeholders: the same for every page of a kind. */
interface Skeleton {
  sets: { name: string; value: Operand }[]
  adds: { name: string; token: string }[]
  removes: string[]
  condition: Condition | undefined
  written: string[]
  read: Set<string>
}

/** Skeletons by expression text and names (a page's expressions differ only by which fields are null). */
const skeletons = new Map<string, Skeleton>()
const REMEMBERED_SKELETONS = 64

function skeletonOf(input: UpdateCommandInput, key: Record<string, unknown>): Skeleton {
  const names = input.ExpressionAttributeNames ?? {}
  const id = JSON.stringify([input.UpdateExpression, input.ConditionExpression, names, Object.keys(key)])
  const known = skeletons.get(id)
  if (known) return known
  const parser = (text: string) => new Parser(text, names)
  const clauses = updateClauses(input.UpdateExpression ?? '')
  if (clauses.has('DELETE')) throw new Unsupported()
  const sets = (clauses.get('SET') ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action)
    const name = p.path()
    p.expect('=')
    const value = p.operand()
    p.end()
    return { name, value }
  })
  const adds = (clauses.get('ADD') ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action)
    const name = p.path()
    const value = p.operand()
    p.end()
    if (value.kind !== 'value') throw new Unsupported()
    return { name, token: value.token }
  })
  const removes = (clauses.get('REMOVE') ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action)
    const name = p.path()
    p.end()
    return name
  })
  let condition: Condition | undefined
  if (input.ConditionExpression) {
    const p = parser(input.ConditionExpression)
    condition = p.condition()
    p.end()
  }
  const written = [...sets.map((s) => s.name), ...adds.map((a) => a.name), ...removes]
  if (new Set(written).size !== written.length || written.some((name) => name in key)) throw new Unsupported()
  const read = new Set<string>(adds.map((a) => a.name))
  for (const { value } of sets) readsOf(value, read)
  if (condition) conditionReads(condition, read)
  for (const name of [...written, ...read, ...Object.keys(key)]) quoted(name) // refuses odd names early
  const skeleton = { sets, adds, removes, condition, written, read }
  skeletons.set(id, skeleton)
  if (skeletons.size > REMEMBERED_SKELETONS) skeletons.delete(skeletons.keys().next().value!)
  return skeleton
}

function plan(input: UpdateCommandInput): StatementPlan {
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>
  const table: string | undefined = input.TableName
  const key = (input.Key ?? {}) as Record<string, unknown>
  if (!table || Object.keys(key).length === 0) throw new Unsupported()
  const tableName: string = table
  const { sets, adds, removes, condition, written, read } = skeletonOf(input, key)
  const placeholder = (token: string) => {
    if (!(token in values)) throw new Unsupported()
    return values[token]
  }
  const added = adds.map(({ name, token }) => {
    const value = placeholder(token)
    if (typeof value !== 'number') throw new Unsupported()
    return { name, value }
  })
  const evaluate = (operand: Operand, item: Record<string, unknown>) =>
    evaluateWith(operand, item, placeholder)

  return {
    table,
    key,
    projection: [...new Set([...Object.keys(key), ...written, ...read])],
    statementFor(stored) {
      try {
        return build(stored)
      } catch (error) {
        if (error instanceof Unsupported) return undefined // e.g. ADD to a stored value that is no number
        throw error
      }
    },
  }

  function build(stored: Record<string, unknown> | undefined): BuiltStatement | undefined {
    const item = stored ?? {}
    if (condition && !holds(condition, item, placeholder)) return undefined
    const assigned: [string, unknown][] = [
      ...sets.map(({ name, value }): [string, unknown] => [name, evaluate(value, item)]),
      ...added.map(({ name, value }): [string, unknown] => [name, numberOf(item[name]) + value]),
    ]
    if (assigned.some(([, value]) => value === undefined)) return undefined
    if (stored === undefined) {
      const fields = [...Object.entries(key), ...assigned]
      return {
        Statement: `INSERT INTO ${quoted(tableName)} VALUE {${fields.map(([name]) => `${literal(name)}: ?`).join(', ')}}`,
        Parameters: fields.map(([, value]) => value),
        old: {},
      }
    }
    const pins = [...read].map((name) => [name, stored[name]] as const)
    const where = [...Object.entries(key), ...pins.filter(([, value]) => value !== undefined)]
    const missing = pins.filter(([, value]) => value === undefined).map(([name]) => name)
    const old: Record<string, unknown> = {}
    for (const name of written) if (stored[name] !== undefined) old[name] = stored[name]
    return {
      Statement: [
        `UPDATE ${quoted(tableName)}`,
        ...assigned.map(([name]) => `SET ${quoted(name)} = ?`),
        ...removes.map((name) => `REMOVE ${quoted(name)}`),
        `WHERE ${[
          ...where.map(([name]) => `${quoted(name)} = ?`),
          ...missing.map((name) => `${quoted(name)} IS MISSING`),
        ].join(' AND ')}`,
      ].join(' '),
      Parameters: [...assigned.map(([, value]) => value), ...where.map(([, value]) => value)],
      old,
    }
  }
}

function numberOf(value: unknown): number {
  if (value === undefined) return 0
  if (typeof value !== 'number') throw new Unsupported()
  return value
}

type Values = (token: string) => unknown

function evaluateWith(operand: Operand, item: Record<string, unknown>, values: Values): unknown {
  switch (operand.kind) {
    case 'value':
      return values(operand.token)
    case 'path':
      return item[operand.name]
    case 'ifNotExists':
      return item[operand.name] !== undefined
        ? item[operand.name]
        : evaluateWith(operand.fallback, item, values)
    case 'arith': {
      const left = evaluateWith(operand.left, item, values)
      const right = evaluateWith(operand.right, item, values)
      if (typeof left !== 'number' || typeof right !== 'number') return undefined
      return operand.op === '+' ? left + right : left - right
    }
  }
}

function readsOf(operand: Operand, into: Set<string>): void {
  if (operand.kind === 'path' || operand.kind === 'ifNotExists') into.add(operand.name)
  if (operand.kind === 'ifNotExists') readsOf(operand.fallback, into)
  if (operand.kind === 'arith') {
    readsOf(operand.left, into)
    readsOf(operand.right, into)
  }
}

function conditionReads(condition: Condition, into: Set<string>): void {
  if (condition.kind === 'and' || condition.kind === 'or')
    for (const part of condition.parts) conditionReads(part, into)
  else if (condition.kind === 'not') conditionReads(condition.inner, into)
  else if (condition.kind === 'exists') into.add(condition.name)
  else if (condition.kind === 'compare') {
    readsOf(condition.left, into)
    readsOf(condition.right, into)
  }
}

/** DynamoDB's evaluation of a condition on `item`: a comparison with a missing attribute is false. */
function holds(condition: Condition, item: Record<string, unknown>, values: Values): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.parts.every((part) => holds(part, item, values))
    case 'or':
      return condition.parts.some((part) => holds(part, item, values))
    case 'not':
      return !holds(condition.inner, item, values)
    case 'exists':
      return (item[condition.name] !== undefined) === condition.exists
    case 'compare': {
      const left = evaluateWith(condition.left, item, values)
      const right = evaluateWith(condition.right, item, values)
      if (left === undefined || right === undefined) return false
      if (condition.op === '=') return sameValue(left, right)
      if (condition.op === '<>') return !sameValue(left, right)
      const comparable =
        (typeof left === 'number' && typeof right === 'number') ||
        (typeof left === 'string' && typeof right === 'string')
      if (!comparable) return false
      const a = left as number | string
      const b = right as number | string
      if (condition.op === '<') return a < b
      if (condition.op === '<=') return a <= b
      if (condition.op === '>') return a > b
      return a >= b
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b
  throw new Unsupported() // maps, lists, sets, binary: not compared here
}

/** A PartiQL identifier; names with quotes are not translated. */
function quoted(name: string): string {
  if (/["'\\]/.test(name) || name.length === 0) throw new Unsupported()
  return `"${name}"`
}

/** A PartiQL string literal (an attribute name in an INSERT's VALUE tuple). */
function literal(name: string): string {
  quoted(name)
  return `'${name}'`
}

const TOKEN = /\s*(#\w+|:\w+|[A-Za-z_]\w*|<>|<=|>=|[=<>(),+\-.[\]])/y

/** Recursive descent over one expression of the DynamoDB expression grammar (the part used here). */
class Parser {
  private readonly tokens: string[] = []
  private at = 0

  constructor(
    text: string,
    private readonly names: Record<string, string>,
  ) {
    TOKEN.lastIndex = 0
    while (TOKEN.lastIndex < text.length) {
      const start = TOKEN.lastIndex
      const match = TOKEN.exec(text)
      if (!match) {
        if (text.slice(start).trim() === '') break
        throw new Unsupported()
      }
      this.tokens.push(match[1]!)
    }
  }

  private peek(): string | undefined {
    return this.tokens[this.at]
  }

  private next(): string {
    const token = this.tokens[this.at++]
    if (token === undefined) throw new Unsupported()
    return token
  }

  expect(token: string): void {
    if (this.next() !== token) throw new Unsupported()
  }

  end(): void {
    if (this.at !== this.tokens.length) throw new Unsupported()
  }

  /** A top-level attribute (no nested paths or list elements). */
  path(): string {
    const token = this.next()
    const name = token.startsWith('#') ? this.names[token] : /^[A-Za-z_]\w*$/.test(token) ? token : undefined
    if (name === undefined || this.peek() === '.' || this.peek() === '[') throw new Unsupported()
    return name
  }

  operand(): Operand {
    let left = this.term()
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.next() as '+' | '-'
      left = { kind: 'arith', op, left, right: this.term() }
    }
    return left
  }

  private term(): Operand {
    const token = this.peek()
    if (token?.startsWith(':')) {
      this.next()
      return { kind: 'value', token }
    }
    if (token?.toLowerCase() === 'if_not_exists') {
      this.next()
      this.expect('(')
      const name = this.path()
      this.expect(',')
      const fallback = this.operand()
      this.expect(')')
      return { kind: 'ifNotExists', name, fallback }
    }
    return { kind: 'path', name: this.path() }
  }

  condition(): Condition {
    const parts = [this.conjunction()]
    while (this.peek()?.toUpperCase() === 'OR') {
      this.next()
      parts.push(this.conjunction())
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts }
  }

  private conjunction(): Condition {
    const parts = [this.negation()]
    while (this.peek()?.toUpperCase() === 'AND') {
      this.next()
      parts.push(this.negation())
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts }
  }

  private negation(): Condition {
    if (this.peek()?.toUpperCase() === 'NOT') {
      this.next()
      return { kind: 'not', inner: this.negation() }
    }
    if (this.peek() === '(') {
      this.next()
      const inner = this.condition()
      this.expect(')')
      return inner
    }
    const fn = this.peek()?.toLowerCase()
    if (fn === 'attribute_exists' || fn === 'attribute_not_exists') {
      this.next()
      this.expect('(')
      const name = this.path()
      this.expect(')')
      return { kind: 'exists', name, exists: fn === 'attribute_exists' }
    }
    const left = this.operand()
    const op = this.next()
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw new Unsupported()
    return { kind: 'compare', op, left, right: this.operand() }
  }
}
