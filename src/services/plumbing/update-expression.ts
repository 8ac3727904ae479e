import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { StorageError } from '../../errors.js'

// Additions to an UpdateItem that ElectroDB built, spliced into its expression text.

/** Placeholders of the expressions added here; ElectroDB's own are `#<attribute>` and `:<attribute>_u0`. */
export const ADDED_NAME = '#rs_'
export const ADDED_VALUE = ':rs_'

/** Additions to an UpdateItem built by ElectroDB's `.params()`. */
export interface UpdateAdditions {
  set?: string[]
  remove?: string[]
  /** ANDed with the request's own condition. */
  condition?: string
  names?: Record<string, string>
  values?: Record<string, unknown>
}

const CLAUSE = /(?<![#:\w])(SET|REMOVE|ADD|DELETE)\s+/g

/**
 * `params` with more SET/REMOVE actions and a further condition. DynamoDB allows each clause once,
 * so the actions join ElectroDB's clauses rather than follow them; key and GSI key maintenance stay
 * ElectroDB's.
 */
export function extendUpdate(params: UpdateCommandInput, add: UpdateAdditions): UpdateCommandInput {
  const clauses = updateClauses(params.UpdateExpression ?? '')
  if (add.set?.length) clauses.set('SET', [...add.set, ...(clauses.get('SET') ?? [])])
  if (add.remove?.length) clauses.set('REMOVE', [...add.remove, ...(clauses.get('REMOVE') ?? [])])
  const names = { ...params.ExpressionAttributeNames }
  for (const [name, attribute] of Object.entries(add.names ?? {})) {
    if (name in names) throw new StorageError(`Expression name ${name} is taken`)
    names[name] = attribute
  }
  const values = { ...params.ExpressionAttributeValues }
  for (const [name, value] of Object.entries(add.values ?? {})) {
    if (name in values) throw new StorageError(`Expression value ${name} is taken`)
    values[name] = value
  }
  const condition = conjunction(add.condition, params.ConditionExpression)
  return {
    ...params,
    UpdateExpression: [...clauses].map(([clause, bodies]) => `${clause} ${bodies.join(', ')}`).join(' '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    ...(condition ? { ConditionExpression: condition } : {}),
  }
}

/** The clauses of an UpdateExpression: SET / REMOVE / ADD / DELETE → the bodies of that clause. */
export function updateClauses(expression: string): Map<string, string[]> {
  const clauses = new Map<string, string[]>()
  const starts = [...expression.matchAll(CLAUSE)]
  if (expression.trim() !== '' && starts[0]?.index !== expression.search(/\S/)) {
    throw new StorageError(`Unexpected UpdateExpression: ${expression}`)
  }
  starts.forEach((match, i) => {
    const body = expression.slice(match.index + match[0].length, starts[i + 1]?.index).trim()
    clauses.set(match[1]!, [...(clauses.get(match[1]!) ?? []), body])
  })
  return clauses
}

/**
 * The conditions ANDed, each in parentheses only when it has an OR outside any (NOT binds tighter
 * than AND, AND than OR): every level of parentheses costs dynalite's expression parser a
 * re-parse of what is inside (4.4 ms for a page save's condition with one more level, 1.2 without).
 */
export function conjunction(...conditions: (string | undefined)[]): string | undefined {
  const present = conditions.filter((c): c is string => c !== undefined && c.trim() !== '')
  if (present.length <= 1) return present[0]
  return present.map((c) => (hasTopLevelOr(c) ? `(${c})` : c)).join(' AND ')
}

function hasTopLevelOr(condition: string): boolean {
  let depth = 0
  for (const match of condition.matchAll(/[()]|(?<![#:\w])OR(?!\w)/gi)) {
    if (match[0] === '(') depth++
    else if (match[0] === ')') depth--
    else if (depth === 0) return true
  }
  return false
}
