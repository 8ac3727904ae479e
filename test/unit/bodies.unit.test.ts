import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type PageVersion, PageVersionSchema } from '../../src/model/schemas.js'
import type { StoredChunk, StoredVersion } from '../../src/services/versions/adapter.js'
import {
  CHUNK_BYTES,
  chunkNo,
  decodeBody,
  encodeBody,
  payloadOf,
  type StoredBody,
} from '../../src/services/versions/bodies.js'
import { assembleVersion, completeChunks, storedFields } from '../../src/services/versions/version-store.js'
import { version } from '../support/fixtures.js'

const page = { pageId: 'page-1', siteId: 'site-1', url: 'https://example.com/' }
const withMarkdown = (markdown: string): PageVersion => PageVersionSchema.parse(version(page, { markdown }))
const small = withMarkdown('# small')
/** Compresses well: over the item budget as JSON, far under it gzipped. */
const compressible = withMarkdown('lorem ipsum '.repeat(40_000))
/** Compresses badly: about 1 MB of base64 stays over two chunks gzipped. */
const incompressible = withMarkdown(randomBytes(750_000).toString('base64'))

type Chunked = Extract<StoredBody, { encoding: 'gzip-chunked' }>
const chunkedBody = (v: PageVersion) => encodeBody(v) as Chunked
const chunksOf = (body: Chunked): StoredChunk[] => body.chunks.map((data, i) => ({ no: chunkNo(i), data }))
const stored = (v: PageVersion): StoredVersion => storedFields(v, encodeBody(v)) as StoredVersion
const noChunks = async (): Promise<StoredChunk[]> => []

describe('encodeBody', () => {
  it('keeps a small version inline, its payload in the item', () => {
    expect(encodeBody(small)).toEqual({ encoding: 'inline' })
    expect(stored(small)).toMatchObject({ bodyEncoding: 'inline', markdown: '# small' })
  })

  it('gzips a large compressible payload into the item, the payload fields left out', () => {
    const body = encodeBody(compressible)
    expect(body.encoding).toBe('gzip')
    const fields = stored(compressible)
    expect(fields.markdown).toBeUndefined()
    expect(fields).toMatchObject({ bodyEncoding: 'gzip', bodyDigest: expect.any(String) })
    expect(fields.bodyData).toBeInstanceOf(Uint8Array)
  })

  it('splits a payload that stays large gzipped into chunks of at most CHUNK_BYTES', () => {
    const body = chunkedBody(incompressible)
    expect(body.encoding).toBe('gzip-chunked')
    expect(body.chunks.length).toBeGreaterThan(1)
    expect(body.chunks.every((chunk) => chunk.length <= CHUNK_BYTES)).toBe(true)
    expect(decodeBody(body.chunks, body.digest)).toEqual(payloadOf(incompressible))
    expect(stored(incompressible)).toMatchObject({ bodyChunks: body.chunks.length, bodyDigest: body.digest })
  })

  it('numbers chunks so that they sort in order', () => {
    const numbers = [0, 1, 9, 10, 99, 12_345].map(chunkNo)
    expect([...numbers].sort()).toEqual(numbers)
  })
})

describe('assembleVersion', () => {
  it('reads back each encoding as the version saved', async () => {
    expect(await assembleVersion(stored(small), noChunks)).toEqual(small)
    expect(await assembleVersion(stored(compressible), noChunks)).toEqual(compressible)
    const chunks = chunksOf(chunkedBody(incompressible)).reverse()
    expect(await assembleVersion(stored(incompressible), async () => chunks)).toEqual(incompressible)
  })

  it('reads a body that does not match its digest as absent', async () => {
    const body = chunkedBody(incompressible)
    expect(decodeBody(body.chunks, 'not-the-digest')).toBeUndefined()
    const gzipped = stored(compressible)
    expect(await assembleVersion({ ...gzipped, bodyDigest: 'not-the-digest' }, noChunks)).toBeUndefined()
    const swapped = chunksOf(body).map((chunk, i) => (i === 0 ? { ...chunk, data: Buffer.from('x') } : chunk))
    expect(await assembleVersion(stored(incompressible), async () => swapped)).toBeUndefined()
  })

  it('reads a malformed chunk set as absent', async () => {
    const chunks = chunksOf(chunkedBody(incompressible))
    const count = chunks.length
    const malformed: Record<string, StoredChunk[]> = {
      missing: chunks.slice(1),
      duplicated: [...chunks.slice(0, -1), chunks[0]!],
      extra: [...chunks, { no: chunkNo(count), data: Buffer.from('x') }],
      'not bytes': chunks.map((chunk, i) => (i === 1 ? { ...chunk, data: 'text' } : chunk)),
      misnumbered: chunks.map((chunk, i) => (i === 1 ? { ...chunk, no: '1' } : chunk)),
      none: [],
    }
    for (const [name, set] of Object.entries(malformed)) {
      expect(completeChunks(set, count), name).toBeUndefined()
      expect(await assembleVersion(stored(incompressible), async () => set), name).toBeUndefined()
    }
    expect(completeChunks(chunks, String(count))).toBeUndefined()
    expect(
      await assembleVersion({ ...stored(incompressible), bodyDigest: undefined }, async () => chunks),
    ).toBe(undefined)
  })
})
