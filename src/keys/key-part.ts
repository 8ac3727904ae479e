import { createHash } from 'node:crypto'

/** Longest key part kept readable; longer ones are hashed so every key stays under DynamoDB's limits. */
const MAX_READABLE_BYTES = 256

/**
 * Turns a free-form value (an id, a URL) into one part of a composite key, injectively:
 * `%` and `#` are escaped, so no value can forge ElectroDB's `#` delimiters or another value's
 * prefix; values over 256 bytes become `%h` + their SHA-256 (`%h` cannot come out of the escaping),
 * so a key built of up to three parts stays within the 1,024-byte sort-key limit.
 * Case is kept: `A` and `a` are different parts.
 */
export function keyPart(value: string): string {
  const escaped = value.replace(/%/g, '%25').replace(/#/g, '%23')
  if (Buffer.byteLength(escaped, 'utf8') <= MAX_READABLE_BYTES) return escaped
  return `%h${createHash('sha256').update(value, 'utf8').digest('base64url')}`
}

/** The value a readable key part came from; `undefined` for a hashed one (not reversible). */
export function unescapeKeyPart(part: string): string | undefined {
  if (part.startsWith('%h')) return undefined
  return part.replace(/%23/g, '#').replace(/%25/g, '%')
}

/**
 * Sorts descending by priority when compared as strings ascending: the IEEE-754 bits, made
 * order-preserving, then inverted. 16 hex digits.
 */
export function priorityKey(priority: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, priority === 0 ? 0 : priority) // folds -0 into 0
  let bits = view.getBigUint64(0)
  const sign = 1n << 63n
  bits = bits & sign ? ~bits & 0xffffffffffffffffn : bits | sign
  return (~bits & 0xffffffffffffffffn).toString(16).padStart(16, '0')
}

/** Recrawl order: never-crawled (`0`) before any ISO time, then oldest first. */
export function crawlOrderKey(lastCrawled: Date | null): string {
  return lastCrawled === null ? '0' : lastCrawled.toISOString()
}

/** Deterministic shard of an item id in [0, shards). */
export function shardOf(id: string, shards: number): number {
  if (shards <= 1) return 0
  return createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0) % shards
}
