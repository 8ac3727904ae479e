import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import {
  entityIndexQuery,
  entityKey,
  entityPatch,
  entityPut,
  entityUpdate,
} from '../../src/entities/entity-requests.js'
import { NOT_QUEUED } from '../../src/entities/frontier.js'
import { crawlOrderKey, keyPart } from '../../src/keys/key-part.js'
import { type Page, PageSchema, PageVersionSchema } from '../../src/model/schemas.js'
import type { WhereOperations } from '../../src/services/frontier/adapter.js'
import { expectRevision } from '../../src/services/pages/adapter.js'
import { pageSaveParams } from '../../src/services/pages/single-table.js'
import { nullFields, toStored } from '../../src/services/plumbing/stored.js'
import { updateClauses } from '../../src/services/plumbing/update-expression.js'
import { singleTableService } from '../../src/services/single-table/service.js'
import { encodeBody } from '../../src/services/versions/bodies.js'
import { storedFields } from '../../src/services/versions/version-store.js'

// Never sends a request: the entities only build parameters here.
const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9' })
const {
  page: pageEntity,
  pageCount,
  pageCountShard,
  version: versionEntity,
  versionChunk,
  frontier,
} = singleTableService('t', client).entities

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

  it('the Query of a page by URL (gsi2: the whole key given)', () => {
    const composite = { siteKey: 's%231', urlKey: 'https://e.x/a%23b' }
    const ours = entityIndexQuery(pageEntity, 'byUrl', composite)
    const electro = pageEntity.query.byUrl(composite).params()
    const resolved = (input: {
      KeyConditionExpression?: string
      ExpressionAttributeNames?: object
      ExpressionAttributeValues?: object
    }) =>
      meaning({ ...input, UpdateExpression: '', ConditionExpression: input.KeyConditionExpression } as never)
        .condition?.split(/ and /i)
        .sort()
    expect(ours.IndexName).toBe(electro.IndexName)
    expect(ours.TableName).toBe(electro.TableName)
    expect(resolved(ours)).toEqual(resolved(electro))
  })

  it('a version item, inline and gzipped, and a body chunk, as ElectroDB puts them', () => {
    const base = {
      versionId: 'v_01',
      pageId: 'pg#1',
      siteId: 'site-1',
      runId: 'run-1',
      contentHash: 'h',
      url: 'https://example.com/a',
      statusCode: 200,
      crawledAt: new Date(NOW),
    }
    const versions = [
      PageVersionSchema.parse({ ...base, markdown: '# A' }),
      PageVersionSchema.parse({
        ...base,
        markdown: '# B',
        outlinks: ['https://example.com/c'],
        headingsOutline: [{ level: 1, text: 'B' }],
        extra: { nested: { n: 1 } },
        title: 'B',
      }),
      PageVersionSchema.parse({ ...base, markdown: 'text '.repeat(20_000) }),
    ]
    for (const version of versions) {
      const attributes = {
        ...storedFields(version, encodeBody(version)),
        pageKey: keyPart(version.pageId),
        versionKey: keyPart(version.versionId),
        siteKey: keyPart(version.siteId),
      }
      expect(entityPut(versionEntity, attributes)).toEqual(versionEntity.put(attributes as never).params())
    }
    const chunk = {
      pageKey: 'pg%231',
      versionKey: 'v_01',
      siteKey: 's',
      chunkNo: 'd.0001',
      data: new Uint8Array([1, 2]),
    }
    expect(entityPut(versionChunk, chunk)).toEqual(versionChunk.put(chunk).params())
  })
})

type Where = (attr: Record<string, unknown>, op: WhereOperations) => string

describe('entityPatch: frontier writes equal what ElectroDB builds', () => {
  const key = { runKey: 'run%231', shard: '03', itemKey: 'fi_1' }
  const taken: Where = (attr, op) =>
    `((${op.eq(attr.status, 'pending')}) OR (${op.eq(attr.status, 'in_progress')} AND ${op.eq(attr.writeToken, 't')}))`
  const fresh: Where = (attr, op) => `(${op.notExists(attr.writeToken)} OR ${op.ne(attr.writeToken, 't')})`
  const SHAPES: [
    string,
    'update' | 'patch',
    Record<string, unknown>,
    string[] | undefined,
    Record<string, number> | undefined,
    Where,
  ][] = [
    [
      'a take',
      'update',
      {
        status: 'in_progress',
        workerId: 'w',
        leaseExpiresAt: 'L',
        startedAt: 'S',
        writeToken: 't',
        queueKey: 'A#1#fi_1',
      },
      undefined,
      undefined,
      taken,
    ],
    [
      'a take whose condition builds a clause it leaves out',
      'update',
      { status: 'in_progress', workerId: 'w', writeToken: 't', queueKey: 'A#1#fi_1' },
      undefined,
      undefined,
      (attr, op) => {
        const unused = op.eq(attr.leaseExpiresAt, 'L0')
        return unused.length > 0 ? `(${op.eq(attr.status, 'pending')})` : ''
      },
    ],
    ['a lease renewal', 'patch', { leaseExpiresAt: 'L2', writeToken: 't' }, undefined, undefined, fresh],
    [
      'a renewal that moves the due key',
      'patch',
      { leaseExpiresAt: 'L2', writeToken: 't', queueKey: 'A#2#fi_1' },
      undefined,
      undefined,
      fresh,
    ],
    [
      'a completion (off the claim index)',
      'patch',
      { status: 'completed', completedAt: 'C', ttl: 99, writeToken: 't', queueKey: NOT_QUEUED },
      ['workerId', 'leaseExpiresAt'],
      undefined,
      taken,
    ],
    [
      'a retry',
      'patch',
      { status: 'pending', writeToken: 't', scheduledAt: 'R', queueKey: 'A#3#fi_1' },
      ['workerId'],
      { retryCount: 1 },
      fresh,
    ],
    [
      'a requeue',
      'update',
      { status: 'pending', retryCount: 0, writeToken: 't', queueKey: 'B#4#fi_1' },
      undefined,
      undefined,
      (a, op) => op.eq(a.status, 'failed'),
    ],
  ]
  for (const [name, how, set, remove, add, where] of SHAPES) {
    it(name, () => {
      const ours = entityPatch(frontier, {
        how,
        key,
        set,
        ...(remove ? { remove } : {}),
        ...(add ? { add } : {}),
        where: where as never,
      })
      let update = (how === 'update' ? frontier.update(key) : frontier.patch(key)).set(set as never)
      if (remove) update = update.remove(remove as never)
      if (add) update = update.add(add as never)
      const electro = update.where(where as never).params<UpdateCommandInput>()
      expect(ours).toBeDefined()
      const normalized = (input: UpdateCommandInput) => {
        const m = meaning(input)
        return {
          ...m,
          condition: m.condition
            ?.split(/ AND /i)
            .map((c) => c.trim())
            .sort(),
        }
      }
      expect(normalized(ours!)).toEqual(normalized(electro))
      // DynamoDB refuses a request that declares a placeholder it does not use.
      const text = `${ours!.UpdateExpression} ${ours!.ConditionExpression ?? ''}`
      for (const placeholder of [
        ...Object.keys(ours!.ExpressionAttributeNames ?? {}),
        ...Object.keys(ours!.ExpressionAttributeValues ?? {}),
      ]) {
        expect(text).toMatch(new RegExp(`${placeholder}(?!\\w)`))
      }
    })
  }

  it("a claim's Query of the claim index from a queue key on", () => {
    const composite = { runKey: 'run%231', shard: '03' }
    const ours = entityIndexQuery(frontier, 'byQueue', { ...composite, queueKey: 'A#123' }, 'gte')
    const electro = frontier.query.byQueue(composite).gte({ queueKey: 'A#123' }).params()
    const resolved = (input: { KeyConditionExpression?: string }) =>
      meaning({ ...input, UpdateExpression: '', ConditionExpression: input.KeyConditionExpression } as never)
        .condition?.split(/ and /i)
        .map((c) => c.trim())
        .sort()
    expect([ours.TableName, ours.IndexName]).toEqual([electro.TableName, electro.IndexName])
    expect(resolved(ours)).toEqual(resolved(electro))
  })

  it('leaves to ElectroDB a change it does not follow (removing an index composite)', () => {
    expect(
      entityPatch(frontier, { how: 'patch', key, set: { writeToken: 't' }, remove: ['status'] }),
    ).toBeUndefined()
  })
})
