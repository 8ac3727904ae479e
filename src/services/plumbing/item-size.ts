import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { ValidationError, type ValidationIssue } from '../../errors.js'

/** DynamoDB's limit on an item: 400 KB, attribute names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024

/** A number's stored size is at most 21 bytes. */
const NUMBER_BYTES = 21
/** An attribute copied from the item itself (`if_not_exists(#a, :v)`): the page save's bookkeeping only. */
const COPIED_VALUE_BYTES = 64

/**
 * The stored size of a value as DynamoDB counts it, rounded up: strings and binaries by their
 * bytes (UTF-8), numbers 21, booleans and null 1, lists and maps 3 plus 1 per element (and a map
 * key's bytes), sets the sum of their elements.
 */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (typeof value === 'number' || typeof value === 'bigint') return NUMBER_BYTES
  if (value instanceof Date) return Buffer.byteLength(value.toISOString(), 'utf8')
  if (value instanceof Uint8Array) return value.byteLength
  if (value instanceof Set) return [...value].reduce((sum: number, inner) => sum + valueBytes(inner), 0)
  if (Array.isArray(value)) return value.reduce((sum: number, inner) => sum + 1 + valueBytes(inner), 3)
  if (typeof value === 'object') {
    return Object.entries(value).reduce(
      (sum, [key, inner]) => sum + 1 + Buffer.byteLength(key, 'utf8') + valueBytes(inner),
      3,
    )
  }
  return Buffer.byteLength(String(value), 'utf8')
}

/** Splits `text` at commas outside parentheses. */
export function topLevelParts(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((part) => part.trim()).filter(Boolean)
}

/**
 * An upper bound of the size of the item an UpdateItem that sets every attribute it keeps (as the
 * page saves do) leaves behind: the key, each SET attribute with its value, each ADD number.
 * Attributes the update does not name (another tool's) are not known here.
 */
export function updatedItemBytes(input: UpdateCommandInput): number {
  const names = input.ExpressionAttributeNames ?? {}
  const values = input.ExpressionAttributeValues ?? {}
  const nameBytes = (path: string) =>
    path
      .split('.')
      .map((part) => part.replace(/\[\d+\]$/, ''))
      .reduce((sum, part) => sum + Buffer.byteLength(names[part] ?? part, 'utf8'), 0)
  let total = Object.entries(input.Key ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueBytes(value),
    0,
  )
  const expression = input.UpdateExpression ?? ''
  const clauses = [...expression.matchAll(/(?<![#:\w])(SET|REMOVE|ADD|DELETE)\s+/g)]
  clauses.forEach((match, i) => {
    const body = expression.slice(match.index + match[0].length, clauses[i + 1]?.index)
    for (const action of topLevelParts(body)) {
      if (match[1] === 'SET') {
        const [path = '', operand = ''] = action.split(/\s*=\s*/, 2)
        const value = operand.trim()
        total += nameBytes(path.trim()) + (value in values ? valueBytes(values[value]) : COPIED_VALUE_BYTES)
      } else if (match[1] === 'ADD') {
        const [path = '', operand = ''] = action.split(/\s+/, 2)
        const value = values[operand.trim()]
        total += nameBytes(path) + (typeof value === 'number' ? NUMBER_BYTES : valueBytes(value))
      }
    }
  })
  return total
}

/**
 * A `ValidationError` when the page item `input` writes would pass DynamoDB's item limit, naming
 * the largest fields of `record` (under `label`) whose size makes up the excess.
 */
export function assertItemFits(input: UpdateCommandInput, record: object, label: string): void {
  const size = updatedItemBytes(input)
  if (size <= MAX_ITEM_BYTES) return
  const fields = Object.entries(record)
    .map(([field, value]) => ({ field, bytes: Buffer.byteLength(field, 'utf8') + valueBytes(value) }))
    .sort((a, b) => b.bytes - a.bytes)
  const named: ValidationIssue[] = []
  let rest = size
  for (const { field, bytes } of fields) {
    if (rest <= MAX_ITEM_BYTES) break
    rest -= bytes
    named.push({
      path: `${label}.${field}`,
      message: `is ${bytes.toLocaleString('en-US')} bytes: the stored item would be ${size.toLocaleString('en-US')} bytes, over DynamoDB's 400 KB item limit (${MAX_ITEM_BYTES.toLocaleString('en-US')} bytes)`,
    })
  }
  throw new ValidationError(named)
}
