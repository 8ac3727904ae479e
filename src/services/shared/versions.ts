import type { DynamoDBClientLike } from '../../config.js'
import { ValidationError } from '../../errors.js'
import { fromStored } from '../../model/read.js'
import { type PageVersion, PageVersionSchema } from '../../model/schemas.js'
import { type BatchWrite, batchWrite } from './batch.js'
import { decodeBody, encodeBody } from './bodies.js'

/** A stored version as read, before its body is put back together. */
export type StoredVersion = Record<string, unknown> & {
  bodyEncoding?: string
  bodyData?: Uint8Array
  bodyChunks?: number
  bodyDigest?: string
}

/**
 * The model of a stored version with its body: inline fields as they are, a gzipped body
 * decoded, a chunked one read with `readChunks` and checked against its digest. `undefined` when
 * the body is incomplete, so a partly written version reads as absent.
 */
export async function assembleVersion(
  item: StoredVersion,
  readChunks: (digest: string) => Promise<Uint8Array[]>,
): Promise<PageVersion | undefined> {
  const { bodyEncoding, bodyData, bodyChunks, bodyDigest, ...fields } = item
  if (bodyEncoding === 'gzip' && bodyData) {
    const payload = decodeBody(bodyData, bodyDigest)
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, 'version')
  }
  if (bodyEncoding === 'gzip-chunked') {
    const chunks = await readChunks(bodyDigest ?? '')
    if (chunks.length !== bodyChunks) return undefined
    const payload = decodeBody(chunks, bodyDigest)
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, 'version')
  }
  return fromStored(PageVersionSchema, fields, 'version')
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
 * Saves many versions: those whose body fits in their item go in BatchWriteItem requests (retried,
 * `CapacityError` naming what was left unsaved); split bodies are written one by one, chunks first.
 */
export async function saveVersionsInBatches(
  client: DynamoDBClientLike,
  versions: PageVersion[],
  writeSplit: (version: PageVersion) => Promise<void>,
  batchItem: (version: PageVersion) => BatchWrite,
): Promise<number> {
  const small: BatchWrite[] = []
  for (const version of versions) {
    if (encodeBody(version).encoding === 'gzip-chunked') await writeSplit(version)
    else small.push(batchItem(version))
  }
  await batchWrite(client, small, { idLabel: 'versionId' })
  return versions.length
}
