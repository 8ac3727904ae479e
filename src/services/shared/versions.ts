import type { DynamoDBClientLike } from '../../config.js'
import { CapacityError, ValidationError } from '../../errors.js'
import { fromStored } from '../../model/read.js'
import { type PageVersion, PageVersionSchema } from '../../model/schemas.js'
import { isRetryable } from '../plumbing/aws-errors.js'
import { type BatchWrite, batchWrite } from '../plumbing/batch.js'
import { chunkNo, decodeBody, encodeBody } from './bodies.js'

/** A stored version as read, before its body is put back together. */
export type StoredVersion = Record<string, unknown> & {
  bodyEncoding?: string
  bodyData?: unknown
  bodyChunks?: unknown
  bodyDigest?: string
}

/** What a listing makes of each stored version it reads (`undefined` leaves it out). */
export type ReadStored<T> = (item: StoredVersion) => T | undefined | Promise<T | undefined>

/** One stored chunk of a split body as read, unchecked: its number (`00000`, …) and its bytes. */
export interface StoredChunk {
  no: string
  data: unknown
}

/**
 * The model of a stored version with its body: inline fields as they are, a gzipped body
 * decoded, a chunked one read with `readChunks` and checked against its digest. `undefined` when
 * the body is incomplete or malformed (a chunk missing, duplicated, extra or not bytes), so a
 * partly written or damaged version reads as absent.
 */
export async function assembleVersion(
  item: StoredVersion,
  readChunks: (digest: string) => Promise<StoredChunk[]>,
): Promise<PageVersion | undefined> {
  const { bodyEncoding, bodyData, bodyChunks, bodyDigest, ...fields } = item
  if (bodyEncoding === 'gzip') {
    if (!(bodyData instanceof Uint8Array)) return undefined
    const payload = decodeBody(bodyData, bodyDigest)
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, 'version')
  }
  if (bodyEncoding === 'gzip-chunked') {
    if (typeof bodyDigest !== 'string') return undefined
    const chunks = completeChunks(await readChunks(bodyDigest), bodyChunks)
    const payload = chunks && decodeBody(chunks, bodyDigest)
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, 'version')
  }
  return fromStored(PageVersionSchema, fields, 'version')
}

/** The chunks' bytes in order when they are exactly chunks 0 … count − 1, each once; else `undefined`. */
function completeChunks(chunks: StoredChunk[], count: unknown): Uint8Array[] | undefined {
  if (!Number.isInteger(count) || chunks.length !== count) return undefined
  const ordered = [...chunks].sort((a, b) => (a.no < b.no ? -1 : a.no > b.no ? 1 : 0))
  const parts: Uint8Array[] = []
  for (const [index, chunk] of ordered.entries()) {
    if (chunk.no !== chunkNo(index) || !(chunk.data instanceof Uint8Array)) return undefined
    parts.push(chunk.data)
  }
  return parts
}

/** How a layout reads a version, for `namedVersion`. */
export interface VersionReads {
  complete: (item: StoredVersion) => Promise<PageVersion | undefined>
  get: (versionId: string) => Promise<PageVersion | null>
}

/**
 * The current version of a page, given what is already read: the version the page names (null
 * when it names none, or that version is missing or incomplete). `newest` is used when it is the
 * named one, so the common case costs no further read; otherwise the named one is read by id.
 */
export async function namedVersion(
  named: unknown,
  newest: StoredVersion | undefined,
  reads: VersionReads,
): Promise<PageVersion | null> {
  if (typeof named !== 'string' || named === '') return null
  if (newest?.versionId === named) return (await reads.complete(newest)) ?? null
  return reads.get(named)
}

/** The current version when only the page id is known: the site of the newest version names the page. */
export async function currentViaNewest(
  newest: StoredVersion | undefined,
  pageOfSite: (siteId: string) => Promise<{ currentVersionId?: string | null } | null>,
  reads: VersionReads,
): Promise<PageVersion | null> {
  if (!newest) return null
  const page = await pageOfSite(String(newest.siteId))
  return namedVersion(page?.currentVersionId, newest, reads)
}

/** commitVersion's consistency check: the version must belong to the page it is committed to. */
export function assertSamePage(
  page: { pageId: string; siteId: string },
  version: { pageId: string; siteId: string },
) {
  const issues = []
  if (page.pageId !== version.pageId)
    issues.push({ path: 'version.pageId', message: 'must equal page.pageId' })
  if (page.siteId !== version.siteId)
    issues.push({ path: 'version.siteId', message: 'must equal page.siteId' })
  if (issues.length > 0) throw new ValidationError(issues)
}

/**
 * Saves many versions: those whose body fits in their item go in BatchWriteItem requests (retried),
 * then split bodies one by one, chunks first. When capacity runs out, the rest is not attempted and
 * one `CapacityError` names every version left unsaved exactly once, those never attempted included.
 */
export async function saveVersionsInBatches(
  client: DynamoDBClientLike,
  versions: PageVersion[],
  writeSplit: (version: PageVersion) => Promise<void>,
  batchItem: (version: PageVersion) => BatchWrite,
): Promise<number> {
  const small: PageVersion[] = []
  const split: PageVersion[] = []
  for (const version of versions)
    (encodeBody(version).encoding === 'gzip-chunked' ? split : small).push(version)
  const unsaved = new Set<string>()
  let failure: unknown
  try {
    await batchWrite(client, small.map(batchItem), { idLabel: 'versionId' })
  } catch (error) {
    if (!(error instanceof CapacityError)) throw error
    failure = error
    for (const id of error.unprocessed) unsaved.add(id)
  }
  for (const version of split) {
    if (failure === undefined) {
      try {
        await writeSplit(version)
        continue
      } catch (error) {
        if (!(error instanceof CapacityError || isRetryable(error))) throw error
        failure = error
      }
    }
    unsaved.add(version.versionId)
  }
  if (failure === undefined) return versions.length
  const ids = [...unsaved]
  throw new CapacityError(
    `${ids.length} of ${versions.length} versions were not saved (the retries ran out); unsaved versionIds: ${ids.join(', ')}`,
    { unprocessed: ids, cause: failure },
  )
}
