import type { DynamoDBClientLike } from '../../config.js'
import type { Page, PageVersion } from '../../model/schemas.js'
import type { BatchWrite } from '../plumbing/batch.js'
import type { PagedQuery } from '../plumbing/listing.js'

/** A stored version as read, before its body is put back together. */
export type StoredVersion = Record<string, unknown> & {
  bodyEncoding?: string
  bodyData?: unknown
  bodyChunks?: unknown
  bodyDigest?: string
}

/** One stored chunk of a split body as read, unchecked: its number (`00000`, …) and its bytes. */
export interface StoredChunk {
  no: string
  data: unknown
}

/** A version's fields as stored, without keys: the payload removed when the body is gzipped. */
export type VersionFields = Record<string, unknown>

/**
 * What differs between the layouts for versions: keys and item shape (how a version item and its
 * chunk items are put), which Query lists a page's versions newest first, how chunks are found,
 * and how the page naming the current version is read.
 */
export interface VersionAdapter {
  readonly transport: DynamoDBClientLike
  /** Rejects, before any write, version ids the layout cannot store. */
  assertStorable(versions: PageVersion[], path: (index: number) => string): void
  putVersion(version: PageVersion, fields: VersionFields): Promise<void>
  /** The PutItem params of a version item, with the stored fields and the layout's keys. */
  versionParams(version: PageVersion, fields: VersionFields): { Item: Record<string, unknown> }
  /** The batch write of a version item built by `versionParams`. */
  versionWrite(version: PageVersion, Item: Record<string, unknown>): BatchWrite
  chunkWrites(version: PageVersion, digest: string, chunks: Buffer[]): BatchWrite[]
  getStored(pageId: string, versionId: string): Promise<StoredVersion | null>
  /** A page's versions newest first (chunks left out), read as stored. */
  newestFirst(pageId: string): Omit<PagedQuery<StoredVersion>, 'read'> & {
    read: (raw: Record<string, unknown>) => StoredVersion | undefined
  }
  /** All stored chunks of a version's body with that digest (unchecked). */
  readChunks(item: StoredVersion, digest: string): Promise<StoredChunk[]>
  pageOf(siteId: string, pageId: string): Promise<Page | null>
  /**
   * When the layout keeps a page and its versions in one partition: the pages with that id and
   * their newest versions in one Query (`limit` items in all).
   */
  pageAndNewest?(
    pageId: string,
    limit: number,
  ): Promise<{ pages: Record<string, unknown>[]; versions: StoredVersion[] }>
}
