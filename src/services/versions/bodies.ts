import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { PageVersion } from '../../model/schemas.js'

/** A version's heavy fields: stored inline when the item is small, else gzipped and maybe split. */
export const PAYLOAD_FIELDS = [
  'markdown',
  'html',
  'plainText',
  'outlinks',
  'headingsOutline',
  'extra',
] as const
export type VersionPayload = Pick<PageVersion, (typeof PAYLOAD_FIELDS)[number]>

/** Under DynamoDB's 400 KB item limit with room for keys, attribute names and index copies. */
const ITEM_BUDGET_BYTES = 300_000
export const CHUNK_BYTES = 300_000

export type StoredBody =
  | { encoding: 'inline' }
  | { encoding: 'gzip'; data: Buffer; digest: string }
  | { encoding: 'gzip-chunked'; chunks: Buffer[]; digest: string }

export function payloadOf(version: PageVersion): VersionPayload {
  const { markdown, html, plainText, outlinks, headingsOutline, extra } = version
  return { markdown, html, plainText, outlinks, headingsOutline, extra }
}

/** Chooses how to store a version's payload so that no item passes the 400 KB limit. */
export function encodeBody(version: PageVersion): StoredBody {
  const estimate = Buffer.byteLength(JSON.stringify(version), 'utf8')
  if (estimate <= ITEM_BUDGET_BYTES) return { encoding: 'inline' }
  const payloadJson = JSON.stringify(payloadOf(version))
  const metadataBytes = estimate - Buffer.byteLength(payloadJson, 'utf8')
  const data = gzipSync(payloadJson)
  const digest = digestOf(data)
  if (data.length + metadataBytes <= ITEM_BUDGET_BYTES) return { encoding: 'gzip', data, digest }
  const chunks: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += CHUNK_BYTES)
    chunks.push(data.subarray(offset, offset + CHUNK_BYTES))
  return { encoding: 'gzip-chunked', chunks, digest }
}

/**
 * The payload of a stored body, or `undefined` when the body is incomplete or does not match its
 * digest (a version whose body is partly written reads as absent).
 */
export function decodeBody(
  data: Uint8Array | Uint8Array[],
  digest: string | undefined,
): VersionPayload | undefined {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
  if (digest !== undefined && digestOf(bytes) !== digest) return undefined
  try {
    return JSON.parse(gunzipSync(bytes).toString('utf8')) as VersionPayload
  } catch {
    return undefined
  }
}

export function digestOf(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22)
}

/** Zero-padded chunk number, so chunks sort in order. */
export function chunkNo(index: number): string {
  return String(index).padStart(5, '0')
}
