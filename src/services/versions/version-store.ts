import { CapacityError, ValidationError } from '../../errors.js'
import { fromStored } from '../../model/read.js'
import { type Page, PageSchema, type PageVersion, PageVersionSchema } from '../../model/schemas.js'
import type { VersionStore } from '../layout.js'
import { isRetryable } from '../plumbing/aws-errors.js'
import { type BatchWrite, batchWrite } from '../plumbing/batch.js'
import { type BulkSource, forEachGroup } from '../plumbing/bulk-source.js'
import { type ListOptions, type ListResult, pageSize, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import type { StoredChunk, StoredVersion, VersionAdapter, VersionFields } from './adapter.js'
import { chunkNo, decodeBody, encodeBody, PAYLOAD_FIELDS, type StoredBody } from './bodies.js'

/** Versions read from a bulk input and written as one group, and groups in flight at once. */
const BULK_GROUP = 100
const BULK_LANES = 4

/**
 * Versions, for both layouts: by id, newest first, current (the version its page names), bodies
 * of any size (inline, gzipped, or gzipped and split into chunk items written before the version).
 */
export class VersionTable implements VersionStore {
  constructor(private readonly adapter: VersionAdapter) {}

  async save(version: PageVersion): Promise<PageVersion> {
    await this.write(version)
    return version
  }

  /** Chunks first, the version item last: a version item never exists without all of its body. */
  async write(version: PageVersion): Promise<void> {
    this.adapter.assertStorable([version], () => 'version.versionId')
    const body = encodeBody(version)
    if (body.encoding === 'gzip-chunked') {
      const chunks = this.adapter.chunkWrites(version, body.digest, body.chunks)
      await batchWrite(this.adapter.transport, chunks, { idLabel: 'versionId' })
    }
    await this.adapter.putVersion(version, storedFields(version, body))
  }

  /**
   * Read in groups of 100, four at once (memory: the groups, not the input); a sync iterable (a
   * parsed array) is checked whole (`assertStorable`) before any write. In each group, those whose
   * body fits in their item go in BatchWriteItem requests (retried), then split bodies one by one,
   * chunks first. When capacity runs out, nothing more is attempted and one `CapacityError` names
   * every version left unsaved exactly once, those never attempted included. Any other error stops
   * the save (no further group is started) and is thrown once the groups started have finished.
   */
  async saveBulk(versions: BulkSource<PageVersion>): Promise<number> {
    const path = (start: number) => (index: number) => `versions.${start + index}.versionId`
    if (!(Symbol.asyncIterator in versions)) {
      let index = 0
      for (const version of versions) this.adapter.assertStorable([version], path(index++))
    }
    const unsaved = new Set<string>()
    let read = 0
    let failure: unknown
    let stopped: { error: unknown } | undefined
    await forEachGroup(
      versions,
      BULK_GROUP,
      BULK_LANES,
      async (group, start) => {
        read += group.length
        if (failure !== undefined) {
          for (const version of group) unsaved.add(version.versionId)
          return
        }
        try {
          this.adapter.assertStorable(group, path(start))
          const outcome = await this.saveGroup(group)
          for (const id of outcome.unsaved) unsaved.add(id)
          failure ??= outcome.failure
        } catch (error) {
          stopped ??= { error }
        }
      },
      () => stopped !== undefined,
    )
    if (stopped) throw stopped.error
    if (failure === undefined) return read
    const ids = [...unsaved]
    throw new CapacityError(
      `${ids.length} of ${read} versions were not saved (the retries ran out); unsaved versionIds: ${ids.join(', ')}`,
      { unprocessed: ids, cause: failure },
    )
  }

  /** One group of a bulk save: the unsaved ids when capacity ran out; other errors are thrown. */
  private async saveGroup(versions: PageVersion[]): Promise<{ unsaved: string[]; failure?: unknown }> {
    const small: PageVersion[] = []
    const split: PageVersion[] = []
    for (const version of versions)
      (encodeBody(version).encoding === 'gzip-chunked' ? split : small).push(version)
    const unsaved: string[] = []
    let failure: unknown
    try {
      await batchWrite(
        this.adapter.transport,
        small.map((v) => this.batchItem(v)),
        { idLabel: 'versionId' },
      )
    } catch (error) {
      if (!(error instanceof CapacityError)) throw error
      failure = error
      unsaved.push(...error.unprocessed)
    }
    for (const version of split) {
      if (failure === undefined) {
        try {
          await this.write(version)
          continue
        } catch (error) {
          if (!(error instanceof CapacityError || isRetryable(error))) throw error
          failure = error
        }
      }
      unsaved.push(version.versionId)
    }
    return failure === undefined ? { unsaved } : { unsaved, failure }
  }

  async get(pageId: string, versionId: string): Promise<PageVersion | null> {
    const item = await this.adapter.getStored(pageId, versionId)
    return item ? ((await this.complete(item)) ?? null) : null
  }

  /**
   * The version the page names. When the layout reads the page with its newest version in one
   * Query, that Query (and a GetItem when the page names an older version); otherwise, or when
   * pages of several sites share the id (never with `pageIdFor` ids), the newest version's site
   * names the page.
   */
  async current(pageId: string): Promise<PageVersion | null> {
    if (this.adapter.pageAndNewest) {
      const joined = await this.adapter.pageAndNewest(pageId, 2)
      if (joined.pages.length === 0) return null
      if (joined.pages.length === 1)
        return this.namedVersion(pageId, joined.pages[0]!.currentVersionId, joined.versions[0])
    }
    const { items } = await this.query(pageId, (item) => item, { limit: 1 })
    const newest = items[0]
    if (!newest) return null
    const page = await this.adapter.pageOf(String(newest.siteId), pageId)
    return this.namedVersion(pageId, page?.currentVersionId, newest)
  }

  /** `newest` when it is the named version, so the common case costs no further read. */
  private async namedVersion(
    pageId: string,
    named: unknown,
    newest: StoredVersion | undefined,
  ): Promise<PageVersion | null> {
    if (typeof named !== 'string' || named === '') return null
    if (newest?.versionId === named) return (await this.complete(newest)) ?? null
    return this.get(pageId, named)
  }

  list(pageId: string, options?: ListOptions): Promise<ListResult<PageVersion>> {
    return this.query(pageId, (item) => this.complete(item), options)
  }

  private query<T>(
    pageId: string,
    read: (item: StoredVersion) => T | undefined | Promise<T | undefined>,
    options?: ListOptions,
  ): Promise<ListResult<T>> {
    const query = this.adapter.newestFirst(pageId)
    return queryPage(
      this.adapter.transport,
      {
        ...query,
        read: (raw) => {
          const item = query.read(raw)
          return item ? read(item) : undefined
        },
      },
      options,
    )
  }

  /** One Query when the layout keeps both in one partition, else two requests in parallel. */
  async pageWithVersions(
    siteId: string,
    pageId: string,
    limit: number,
  ): Promise<{ page: Page | null; versions: PageVersion[] }> {
    if (!this.adapter.pageAndNewest) {
      const [page, versions] = await Promise.all([
        this.adapter.pageOf(siteId, pageId),
        this.list(pageId, { limit }),
      ])
      return { page, versions: versions.items }
    }
    const size = pageSize({ limit })
    const joined = await this.adapter.pageAndNewest(pageId, size + 2)
    const versions: PageVersion[] = []
    for (const item of joined.versions) {
      const version = await this.complete(item)
      if (version) versions.push(version)
    }
    const page = joined.pages.find((candidate) => candidate.siteId === siteId)
    return { page: page ? fromStored(PageSchema, page, 'page') : null, versions: versions.slice(0, size) }
  }

  /** The model of a stored version, its body put back together; `undefined` when incomplete. */
  complete(item: StoredVersion): Promise<PageVersion | undefined> {
    return assembleVersion(item, (digest) => this.adapter.readChunks(item, digest))
  }

  /** The PutItem params of a version whose body fits in its item (inline or gzip). */
  itemParams(version: PageVersion): { Item: Record<string, unknown> } {
    return this.adapter.versionParams(version, storedFields(version, encodeBody(version)))
  }

  private batchItem(version: PageVersion): BatchWrite {
    return this.adapter.versionWrite(version, this.itemParams(version).Item)
  }
}

/** A version's stored fields: the payload inline, or left out for the gzipped body that holds it. */
export function storedFields(version: PageVersion, body: StoredBody): VersionFields {
  const stored: Record<string, unknown> = toStored(version)
  if (body.encoding !== 'inline') for (const field of PAYLOAD_FIELDS) delete stored[field]
  return {
    ...stored,
    bodyEncoding: body.encoding,
    ...(body.encoding === 'gzip' ? { bodyData: body.data, bodyDigest: body.digest } : {}),
    ...(body.encoding === 'gzip-chunked' ? { bodyChunks: body.chunks.length, bodyDigest: body.digest } : {}),
  }
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
export function completeChunks(chunks: StoredChunk[], count: unknown): Uint8Array[] | undefined {
  if (!Number.isInteger(count) || chunks.length !== count) return undefined
  const ordered = [...chunks].sort((a, b) => (a.no < b.no ? -1 : a.no > b.no ? 1 : 0))
  const parts: Uint8Array[] = []
  for (const [index, chunk] of ordered.entries()) {
    if (chunk.no !== chunkNo(index) || !(chunk.data instanceof Uint8Array)) return undefined
    parts.push(chunk.data)
  }
  return parts
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
