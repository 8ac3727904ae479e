import { defineEntity, type EntityOptions, field, key, snakeFields } from './common.js'

/** How a version's bodies (markdown, html, plainText) are stored. */
export const BODY_ENCODINGS = ['inline', 'gzip', 'gzip-chunked'] as const

/** The model fields of the logical table, shared by both layouts. */
const VERSION_FIELDS = {
  versionId: field.requiredText,
  pageId: field.requiredText,
  siteId: field.requiredText,
  runId: field.requiredText,
  markdown: field.text,
  html: field.text,
  plainText: field.text,
  bodyEncoding: { type: BODY_ENCODINGS, required: true },
  bodyData: field.anyValue,
  bodyChunks: field.num,
  bodyDigest: field.text,
  contentHash: field.requiredText,
  rawHash: field.text,
  url: field.requiredText,
  canonicalUrl: field.text,
  title: field.text,
  description: field.text,
  contentType: field.text,
  language: field.text,
  statusCode: { type: 'number', required: true },
  headingsOutline: field.anyValue,
  wordCount: field.num,
  charCount: field.num,
  outlinks: field.stringList,
  internalLinkCount: field.num,
  externalLinkCount: field.num,
  etag: field.text,
  lastModified: field.text,
  crawledAt: field.requiredText,
  createdAt: field.requiredText,
  fetchLatencyMs: field.num,
  extractionLatencyMs: field.num,
  isTombstone: field.bool,
  extra: field.anyValue,
} as const

/** The key parts of a version and of its chunks, which live in its partition. */
const VERSION_KEYS = key.hidden('pageKey', 'versionKey', 'siteKey')

/**
 * Page versions. Item: pk = page, sk = version id (newest first for time-sortable ids), in the
 * `pageVersions` collection with the page. Bodies live inline when small, gzipped in the item
 * when that fits, else gzipped and split across `versionchunk` items written before the version
 * item, so a version item never exists without all of its body.
 * - gsi4 `members` (keys only): pk = site, to find a site's versions when deleting it.
 */
export function versionEntity(options: EntityOptions) {
  return defineEntity('version', options, {
    attributes: { ...VERSION_KEYS, ...VERSION_FIELDS },
    indexes: {
      byId: { collection: 'pageVersions', ...key.primary(['pageKey'], ['versionKey']) },
      members: key.siteMembers(['pageKey', 'versionKey']),
    },
  })
}

export type VersionEntity = ReturnType<typeof versionEntity>

/** One slice of a large version's gzipped body: pk = page, sk = version + chunk number. */
export function versionChunkEntity(options: EntityOptions) {
  return defineEntity('versionchunk', options, {
    attributes: { ...VERSION_KEYS, chunkNo: field.requiredText, data: { type: 'any', required: true } },
    indexes: {
      byId: key.primary(['pageKey'], ['versionKey', 'chunkNo']),
      members: key.siteMembers(['pageKey', 'versionKey', 'chunkNo']),
    },
  })
}

export type VersionChunkEntity = ReturnType<typeof versionChunkEntity>

/**
 * Documented layout: `{prefix}versions`, HASH `page_id`, RANGE `version_id`. Chunks of large
 * bodies live in the same table under `version_id` = `!chunk!<keyPart(versionId)>#<digest>#<n>`,
 * marked by `chunk_of`, and are skipped by every version read.
 */
export function versionTableEntity(options: EntityOptions) {
  return defineEntity('version', options, {
    attributes: snakeFields(VERSION_FIELDS),
    indexes: {
      byId: { pk: key.plain('page_id', 'pageId'), sk: key.plain('version_id', 'versionId') },
    },
  })
}

export type VersionTableEntity = ReturnType<typeof versionTableEntity>

export function versionChunkTableEntity(options: EntityOptions) {
  return defineEntity('versionchunk', options, {
    attributes: {
      pageId: { type: 'string', field: 'page_id', required: true },
      chunkKey: { type: 'string', field: 'version_id', required: true },
      chunkOf: { type: 'string', field: 'chunk_of', required: true },
      siteId: { type: 'string', field: 'site_id', required: true },
      data: { type: 'any', required: true },
    },
    indexes: {
      byId: { pk: key.plain('page_id', 'pageId'), sk: key.plain('version_id', 'chunkKey') },
    },
  })
}

export type VersionChunkTableEntity = ReturnType<typeof versionChunkTableEntity>
