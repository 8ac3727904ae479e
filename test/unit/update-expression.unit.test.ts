import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { StorageError } from '../../src/errors.js'
import { conjunction, extendUpdate } from '../../src/services/plumbing/update-expression.js'
import { singleTableService } from '../../src/services/single-table/service.js'

// Never sends a request: the entities only build parameters here.
const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:9' })
const { pageCount, page } = singleTableService('t', client).entities

const counterAdd = () =>
  pageCount.update({ siteKey: 's1' }).add({ total: 1, live: -1 }).params<UpdateCommandInput>()
const pageSave = () =>
  page
    .update({ pageKey: 'p1', siteKey: 's1' })
    .set({ url: 'https://e.x/', siteScope: 's1', urlKey: 'https://e.x/', lifeState: 'live' } as never)
    .remove(['lastCrawled'] as never)
    .add({ revision: 1 })
    .where((attr, op) => op.eq(attr.revision, 3))
    .params<UpdateCommandInput>()

const COUNTER_SET = 'SET #siteKey = :siteKey_u0, #__edb_e__ = :__edb_e___u0, #__edb_v__ = :__edb_v___u0'
const PAGE_SET =
  'SET #url = :url_u0, #siteScope = :siteScope_u0, #urlKey = :urlKey_u0, #lifeState = :lifeState_u0, ' +
  '#gsi1pk = :gsi1pk_u0, #gsi1sk = :gsi1sk_u0, #gsi2pk = :gsi2pk_u0, #gsi2sk = :gsi2sk_u0, ' +
  '#pageKey = :pageKey_u0, #siteKey = :siteKey_u0, #__edb_e__ = :__edb_e___u0, #__edb_v__ = :__edb_v___u0'

describe('extendUpdate, against the text of ElectroDB .params()', () => {
  it('ElectroDB still writes the clauses the splicer parses (SET, REMOVE, ADD; one each)', () => {
    expect(counterAdd().UpdateExpression).toBe(`${COUNTER_SET} ADD #total :total_u0, #live :live_u0`)
    expect(pageSave().UpdateExpression).toBe(`${PAGE_SET} REMOVE #lastCrawled ADD #revision :revision_u0`)
    expect(pageSave().ConditionExpression).toBe('#revision = :revision0')
  })

  it('puts added SET/REMOVE actions first in the existing clauses and ANDs the condition', () => {
    const extended = extendUpdate(pageSave(), {
      set: ['#rs_a = :rs_a'],
      remove: ['#rs_b'],
      condition: 'attribute_not_exists(#rs_a)',
      names: { '#rs_a': 'writeToken', '#rs_b': 'old' },
      values: { ':rs_a': 'tok' },
    })
    expect(extended.UpdateExpression).toBe(
      `SET #rs_a = :rs_a, ${PAGE_SET.slice(4)} REMOVE #rs_b, #lastCrawled ADD #revision :revision_u0`,
    )
    expect(extended.ConditionExpression).toBe('attribute_not_exists(#rs_a) AND #revision = :revision0')
    expect(extended.ExpressionAttributeNames).toMatchObject({
      '#rs_a': 'writeToken',
      '#revision': 'revision',
    })
    expect(extended.ExpressionAttributeValues).toMatchObject({ ':rs_a': 'tok', ':revision0': 3 })
  })

  it('adds a clause the request lacks and keeps a condition-free request conditional on ours alone', () => {
    const extended = extendUpdate(counterAdd(), {
      remove: ['#rs_w.#rs_s'],
      condition: 'c',
      names: { '#rs_w': 'w', '#rs_s': 's' },
    })
    expect(extended.UpdateExpression).toBe(
      `${COUNTER_SET} ADD #total :total_u0, #live :live_u0 REMOVE #rs_w.#rs_s`,
    )
    expect(extended.ConditionExpression).toBe('c')
    expect(counterAdd().ConditionExpression).toBeUndefined()
  })

  it('refuses placeholders ElectroDB already uses and text it does not recognise', () => {
    expect(() => extendUpdate(counterAdd(), { names: { '#total': 'x' } })).toThrow(StorageError)
    expect(() => extendUpdate(counterAdd(), { values: { ':total_u0': 1 } })).toThrow(StorageError)
    expect(() => extendUpdate({ ...counterAdd(), UpdateExpression: 'junk SET #a = :a' }, {})).toThrow(
      StorageError,
    )
  })
})

describe('conjunction', () => {
  it('parenthesises only a condition with an OR outside parentheses', () => {
    expect(conjunction('NOT (#a = :t OR #b = :t)', '#r = :r')).toBe('NOT (#a = :t OR #b = :t) AND #r = :r')
    expect(conjunction('#a = :t OR #b = :t', 'attribute_exists(#c)')).toBe(
      '(#a = :t OR #b = :t) AND attribute_exists(#c)',
    )
    expect(conjunction('#a = :x or #b = :y', '#c = :z')).toBe('(#a = :x or #b = :y) AND #c = :z')
  })

  it('reads placeholders named like OR as names, and drops absent conditions', () => {
    expect(conjunction('#OR = :or', ':OR = #or')).toBe('#OR = :or AND :OR = #or')
    expect(conjunction(undefined, 'c', '')).toBe('c')
    expect(conjunction(undefined)).toBeUndefined()
  })
})
