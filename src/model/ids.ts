import { createHash } from 'node:crypto'
import { monotonicFactory } from 'ulid'
import { z } from 'zod'

/** Largest id accepted, in UTF-8 bytes. */
export const MAX_ID_BYTES = 1024

/** A free-form, non-empty id of at most 1,024 UTF-8 bytes; any characters and case are kept. */
export const IdSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .refine((id) => Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES, {
    error: `must be at most ${MAX_ID_BYTES} bytes`,
  })

function digest(...parts: string[]): string {
  const hash = createHash('sha256')
  for (const part of parts) {
    hash.update(String(Buffer.byteLength(part, 'utf8')))
    hash.update(':')
    hash.update(part)
  }
  return hash.digest('hex')
}

/** Deterministic page id, scoped by site: two sites crawling one URL get two pages. */
export function pageIdFor(siteId: string, normalizedUrl: string): string {
  return `pg_${digest(siteId, normalizedUrl).slice(0, 32)}`
}

/** Deterministic frontier item id: re-enqueueing a URL in the same run is a no-op. */
export function frontierItemIdFor(runId: string, normalizedUrl: string): string {
  return `fi_${digest(runId, normalizedUrl).slice(0, 32)}`
}

/** Hash of a URL, as stored in `FrontierItem.urlHash`. */
export function urlHashFor(normalizedUrl: string): string {
  return digest(normalizedUrl).slice(0, 16)
}

const nextUlid = monotonicFactory()

/** A new run id: a ULID, so ids sort by creation time. */
export function newRunId(): string {
  return `run_${nextUlid()}`
}

/** A new version id: a monotonic ULID, so ids sort by creation time and never collide. */
export function newVersionId(): string {
  return `v_${nextUlid()}`
}
