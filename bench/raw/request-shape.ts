import { topLevelParts } from '../../src/services/plumbing/item-size.js'
/**
 * What a request does, without its values: the operation, index, limit and return options, the
 * attributes it writes (each SET action with its right-hand side), its conditions. Placeholder
 * names are resolved and values replaced by `?`, so the library's requests (ElectroDB's
 * placeholders) and the raw side's (hand-written ones) compare equal when they do the same work.
 */
export interface RequestShape {
  operation: string
  index?: string
  limit?: number
  order?: 'desc'
  returnValues?: string
  onConditionFailure?: string
  /** Sorted, e.g. `writeToken1 = if_not_exists(writeToken, ?)`, `REMOVE gsi3pk`, `ADD revision ?`. */
  actions?: string[]
  /** PutItem: the item's attribute names, sorted. */
  item?: string[]
  condition?: string
  keyCondition?: string
  filter?: string
}

interface Input {
  IndexName?: string
  Limit?: number
  ScanIndexForward?: boolean
  ReturnValues?: string
  ReturnValuesOnConditionCheckFailure?: string
  UpdateExpression?: string
  ConditionExpression?: string
  KeyConditionExpression?: string
  FilterExpression?: string
  ExpressionAttributeNames?: Record<string, string>
  Item?: Record<string, unknown>
}

/** A counter writer's id (random per instance): the same name on both sides. */
const WRITER_ID = /^[0-9a-f]{16}$/

export function requestShape(operation: string, request: object): RequestShape {
  const input = request as Input
  const names = input.ExpressionAttributeNames ?? {}
  const resolve = (expression: string | undefined) =>
    expression === undefined
      ? undefined
      : withoutPlaceholders(expression, names)
          .replace(/\b(and|or|not)\b/gi, (word) => word.toUpperCase())
          .replace(/[()]/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
  const shape: RequestShape = { operation }
  if (input.IndexName) shape.index = input.IndexName
  if (input.Limit !== undefined) shape.limit = input.Limit
  if (input.ScanIndexForward === false) shape.order = 'desc'
  if (input.ReturnValues && input.ReturnValues !== 'NONE') shape.returnValues = input.ReturnValues
  if (input.ReturnValuesOnConditionCheckFailure) {
    shape.onConditionFailure = input.ReturnValuesOnConditionCheckFailure
  }
  // A counter writer updates the counter item its random id hashes to: shard 0 (the item of 0.1)
  // has no `counterShard` attribute, the others do, so that action says which item, not how.
  if (input.UpdateExpression) {
    shape.actions = updateActions(input.UpdateExpression, names)
      .filter((action) => action !== 'counterShard = ?')
      .sort()
  }
  if (input.Item) shape.item = Object.keys(input.Item).sort()
  const condition = resolve(input.ConditionExpression)
  if (condition) shape.condition = condition
  const keyCondition = resolve(input.KeyConditionExpression)
  if (keyCondition) shape.keyCondition = keyCondition
  const filter = resolve(input.FilterExpression)
  if (filter) shape.filter = filter
  return shape
}

/** Names resolved (a counter writer's id as `WRITER`), values as `?`. */
function withoutPlaceholders(expression: string, names: Record<string, string>): string {
  return expression
    .replace(/#[A-Za-z0-9_]+/g, (placeholder) => {
      const name = names[placeholder] ?? placeholder
      return WRITER_ID.test(name) ? 'WRITER' : name
    })
    .replace(/:[A-Za-z0-9_]+/g, '?')
}

function updateActions(expression: string, names: Record<string, string>): string[] {
  const resolved = withoutPlaceholders(expression, names)
  const actions: string[] = []
  const clauses = [...resolved.matchAll(/(?:^|\s)(SET|REMOVE|ADD|DELETE)\s/g)]
  clauses.forEach((clause, i) => {
    const body = resolved.slice(clause.index + clause[0].length, clauses[i + 1]?.index).trim()
    for (const action of topLevelParts(body)) {
      const text = action.replace(/\s+/g, ' ').trim()
      actions.push(clause[1] === 'SET' ? text : `${clause[1]} ${text}`)
    }
  })
  return actions
}
