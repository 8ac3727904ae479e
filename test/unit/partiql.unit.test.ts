import { describe, expect, it } from 'vitest'
import { planStatement } from '../../src/services/plumbing/partiql.js'

const update = {
  TableName: 'pages',
  Key: { pk: 'p#1', sk: 's#1' },
  UpdateExpression:
    'SET #tok = :tok, #tok1 = if_not_exists(#tok, :none), #name = :name REMOVE #gone ADD #rev :one',
  ConditionExpression: 'NOT (#tok = :tok OR #tok1 = :tok)',
  ExpressionAttributeNames: {
    '#tok': 'token',
    '#tok1': 'token1',
    '#name': 'name',
    '#gone': 'gone',
    '#rev': 'revision',
  },
  ExpressionAttributeValues: { ':tok': 'T2', ':none': '-', ':name': 'new', ':one': 1 },
}

describe('an UpdateItem as a PartiQL statement', () => {
  it('reads what the update reads and replaces', () => {
    expect(planStatement(update)?.projection.sort()).toEqual(
      ['gone', 'name', 'pk', 'revision', 'sk', 'token', 'token1'].sort(),
    )
  })

  it('is an INSERT of what the update would create when there is no item', () => {
    expect(planStatement(update)?.statementFor(undefined)).toEqual({
      Statement: `INSERT INTO "pages" VALUE {'pk': ?, 'sk': ?, 'token': ?, 'token1': ?, 'name': ?, 'revision': ?}`,
      Parameters: ['p#1', 's#1', 'T2', '-', 'new', 1],
      old: {},
    })
  })

  it('is an UPDATE with if_not_exists and ADD evaluated, pinned to what it read, and its UPDATED_OLD', () => {
    const stored = { pk: 'p#1', sk: 's#1', token: 'T1', revision: 4, name: 'old', gone: 'x' }
    expect(planStatement(update)?.statementFor(stored)).toEqual({
      Statement:
        'UPDATE "pages" SET "token" = ? SET "token1" = ? SET "name" = ? SET "revision" = ? REMOVE "gone" ' +
        'WHERE "pk" = ? AND "sk" = ? AND "revision" = ? AND "token" = ? AND "token1" IS MISSING',
      Parameters: ['T2', 'T1', 'new', 5, 'p#1', 's#1', 4, 'T1'],
      old: { token: 'T1', name: 'old', gone: 'x', revision: 4 },
    })
  })

  it('has no statement when the update’s condition fails on the item (a replay: its token is there)', () => {
    expect(
      planStatement(update)?.statementFor({ pk: 'p#1', sk: 's#1', token: 'T2', revision: 5 }),
    ).toBeUndefined()
    expect(planStatement(update)?.statementFor({ pk: 'p#1', sk: 's#1', revision: 'five' })).toBeUndefined()
  })

  it('leaves to UpdateItem what it does not translate', () => {
    expect(planStatement({ ...update, UpdateExpression: 'SET #name.#tok = :name' })).toBeUndefined()
    expect(planStatement({ ...update, UpdateExpression: 'DELETE #name :name' })).toBeUndefined()
    expect(
      planStatement({ ...update, UpdateExpression: 'SET #name = list_append(#name, :name)' }),
    ).toBeUndefined()
    expect(planStatement({ ...update, ConditionExpression: 'begins_with(#name, :name)' })).toBeUndefined()
  })
})
