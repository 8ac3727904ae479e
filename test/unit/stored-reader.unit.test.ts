import { describe, expect, it } from 'vitest'
import { fromOwnStored } from '../../src/model/read.js'
import { FrontierItemSchema, PageSchema, SiteSchema } from '../../src/model/schemas.js'
import { storedReader } from '../../src/model/stored-reader.js'
import { toStored } from '../../src/services/plumbing/stored.js'

const NOW = Date.parse('2026-12-03T08:00:00.000Z')
const full = {
  pageId: 'pg_1',
  siteId: 'site-1',
  url: 'https://example.com/a',
  canonicalUrl: 'https://example.com/a',
  currentVersionId: 'v_1',
  contentHash: 'h',
  etag: '"e"',
  lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT',
  firstSeen: new Date(NOW - 86_400_000),
  lastSeen: new Date(NOW),
  lastCrawled: new Date(NOW - 3_600_000),
  lastChanged: new Date(NOW - 7_200_000),
  depth: 2,
  referrerUrl: 'https://example.com/',
  statusCode: 200,
  isTombstone: true,
  errorCount: 1,
  lastError: 'timeout',
  versionCount: 3,
  revision: 7,
}
const required = {
  pageId: 'pg_2',
  siteId: 'site-1',
  url: 'https://example.com/b',
  firstSeen: new Date(NOW),
  lastSeen: new Date(NOW),
  depth: 0,
}

describe('storedReader: the fast reader of items the library wrote', () => {
  const read = storedReader(PageSchema)!

  it('reads every stored page shape exactly as the schema does', () => {
    const shapes = [
      toStored(PageSchema.parse(full)),
      toStored(PageSchema.parse(required)),
      { ...toStored(PageSchema.parse(required)), statusCode: null, lastCrawled: null },
      { ...toStored(PageSchema.parse(full)), lastSeen: '2026-12-03T08:00:00Z', extra: 'dropped' },
    ]
    for (const item of shapes) {
      expect(read(item as Record<string, unknown>)).toEqual(PageSchema.parse(item))
    }
  })

  it('declines what the schema would refuse or read otherwise, so that zod reads it', () => {
    const good = toStored(PageSchema.parse(full)) as Record<string, unknown>
    for (const bad of [
      { depth: '2' },
      { isTombstone: 'yes' },
      { firstSeen: 'yesterday' },
      { firstSeen: 1_700_000_000_000 },
      { lastSeen: undefined },
      { url: null },
      { statusCode: Number.NaN },
    ]) {
      expect(read({ ...good, ...bad })).toBeUndefined()
    }
    expect(() => fromOwnStored(PageSchema, { ...good, depth: '2' }, 'page')).toThrow(
      /Stored page is invalid: depth/,
    )
  })

  it('reads frontier items (an enum field, time defaults) as the schema does; leaves other schemas to zod', () => {
    const readItem = storedReader(FrontierItemSchema)!
    const item = {
      itemId: 'fi_1',
      runId: 'r',
      siteId: 's',
      url: 'https://e.x/',
      normalizedUrl: 'https://e.x/',
      urlHash: 'h',
      depth: 1,
      domain: 'e.x',
      status: 'in_progress',
      discoveredAt: '2026-12-03T08:00:00.000Z',
      leaseExpiresAt: '2026-12-03T08:05:00.000Z',
      workerId: 'w',
    }
    expect(readItem(item)).toEqual(FrontierItemSchema.parse(item))
    expect(readItem({ ...item, status: 'lost' })).toBeUndefined()
    // A site holds records and lists: no fast reader.
    expect(storedReader(SiteSchema)).toBeNull()
  })
})
