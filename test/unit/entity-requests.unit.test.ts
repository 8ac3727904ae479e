import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { entityKey, entityUpdate } from '../../src/entities/entity-requests.js'
import { crawlOrderKey, keyPart } from '../../src/keys/key-part.js'
import { type Page, PageSchema } from '../../src/model/schemas.js'
import { expectRevision } from '../../src/services/pages/adapter.js'
import { pageSaveParams } from '../../src/services/pages/single-table.js'
import { nullFields, toStored } from '../../src/services/plumbing/stored.js'
import { updateClauses } from '../../src/services/plumbing/update-expression.js'
import { singleTableService } from '../../src/services/single-table/service.js'

// Never sends a request: the entities only build parameters here.
const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9' })
const { page: pageEntity, pageCount, pageCountShard } = singleTableService('t', client).entities

/** The save as ElectroDB's update builder writes it (what `entityUpdate` must equal). */
function electroSave(saved: Page, expectedRevision: number | undefined): UpdateCommandInput {
  const { revision: _ignored, ...fields } = saved
  const removed = nullFields(fields)
  const update = pageEntity
    .update({ pageKey: keyPart(saved.pageId), siteKey: keyPart(saved.siteId) })
    .set({
      ...toStored(fields),
      siteScope: keyPart(saved.siteId),
      urlKey: keyPart(saved.url),
      lifeState: saved.isTombstone ? 'tombstone' : 'live',
      crawlOrder: crawlOrderKey(saved.lastCrawled),
    })
    .add({ revision: 1 })
  if (removed.length > 0) update.remove(removed)
  expectRevision(update, expectedRevision)
  return update.params<UpdateCommandInput>()
}

/**
 * What an UpdateItem does, placeholders resolved: the attributes it sets (to which values), removes
 * and adds, and its condition with names and values written out.
 */
function meaning(input: UpdateCommandInput) {
  const names = input.ExpressionAttributeNames ?? {}
  const values = input.ExpressionAttributeValues ?? {}
  const clauses = updateClauses(input.UpdateExpression ?? '')
  const bodies = (clause: string) => (clauses.get(clause) ?? []).flatMap((body) => body.split(/,\s*/))
  const set = Object.fromEntries(
    bodies('SET').map((body) => {
      const [name, value] = body.split(/\s*=\s*/) as [string, string]
      return [names[name], values[value]]
    }),
  )
  const remove = bodies('REMOVE')
    .map((name) => names[name])
    .sort()
  const add = Object.fromEntries(
    bodies('ADD').map((body) => {
      const [name, value] = body.split(/\s+/) as [string, string]
      return [names[name], values[value]]
    }),
  )
  const condition = input.ConditionExpression?.replace(/[()]/g, '')
    .replace(/#\w+/g, (name) => `@${names[name]}`)
    .replace(/:\w+/g, (value) => JSON.stringify(values[value]))
  return { table: input.TableName, key: input.Key, set, remove, add, condition }
}

const NOW = Date.parse('2026-12-03T08:00:00.000Z')
const base = {
  pageId: 'pg_1',
  siteId: 'site-1',
  url: 'https://example.com/docs/a#frag',
  firstSeen: new Date(NOW - 86_400_000),
  lastSeen: new Date(NOW),
  depth: 1,
}
const PAGES: [string, Page][] = [
  ['a new live page, never crawled', PageSchema.parse(base)],
  [
    'a crawled page with every optional field',
    PageSchema.parse({
      ...base,
      canonicalUrl: 'https://example.com/docs/a',
      currentVersionId: 'v_1',
      contentHash: 'h1',
      etag: '"e"',
      lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT',
      lastCrawled: new Date(NOW - 3_600_000),
      lastChanged: new Date(NOW - 7_200_000),
      referrerUrl: 'https://example.com/',
      statusCode: 200,
      errorCount: 2,
      lastError: 'timeout',
      versionCount: 3,
      revision: 4,
    }),
  ],
  [
    'a tombstone (no recrawl-index keys)',
    PageSchema.parse({ ...base, isTombstone: true, lastCrawled: new Date(NOW) }),
  ],
  [
    'ids and a URL with key delimiters, and a URL past 256 bytes (hashed key part)',
    PageSchema.parse({
      ...base,
      pageId: 'pg#%x',
      siteId: 'site#2%',
      url: `https://example.com/${'long/'.repeat(80)}`,
    }),
  ],
]

describe('entityUpdate: the single-table page save equals what ElectroDB builds', () => {
  for (const [name, page] of PAGES) {
    for (const expectedRevision of [undefined, 0, 5]) {
      it(`${name}, expectedRevision ${expectedRevision}`, () => {
        const ours = pageSaveParams(pageEntity, page, expectedRevision)
        const electro = electroSave(page, expectedRevision)
        expect(meaning(ours)).toEqual(meaning(electro))
        expect(ours.UpdateExpression!.length).toBeLessThan(electro.UpdateExpression!.length)
      })
    }
  }

  it('names every attribute once per placeholder and declares no unused placeholder', () => {
    const input = pageSaveParams(pageEntity, PAGES[1]![1], 5)
    const text = `${input.UpdateExpression} ${input.ConditionExpression}`
    for (const placeholder of Object.keys(input.ExpressionAttributeNames!)) {
      expect(text).toMatch(new RegExp(`${placeholder}(?!\\w)`))
    }
    for (const placeholder of Object.keys(input.ExpressionAttributeValues!)) {
      expect(text).toMatch(new RegExp(`${placeholder}(?!\\w)`))
    }
  })
})

describe('entityUpdate and entityKey: counters and keys equal what ElectroDB builds', () => {
  it('a counter item of shard 0 and of another shard', () => {
    const add = { total: 1, live: -1 }
    expect(meaning(entityUpdate(pageCount, { set: { siteKey: 's#1' }, add }))).toEqual(
      meaning(pageCount.update({ siteKey: 's#1' }).add(add).params<UpdateCommandInput>()),
    )
    const shard = { siteKey: 's#1', counterShard: '07' }
    expect(meaning(entityUpdate(pageCountShard, { set: shard, add }))).toEqual(
      meaning(pageCountShard.update(shard).add(add).params<UpdateCommandInput>()),
    )
  })

  it("a page's primary key", () => {
    const composite = { pageKey: 'pg_%231', siteKey: 'site-1' }
    expect(entityKey(pageEntity, composite)).toEqual(pageEntity.get(composite).params().Key)
  })
})
