import type { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../../src/errors.js'
import {
  chainedQueryPage,
  decodeCursor,
  encodeCursor,
  type ListResult,
  mergedQueryPage,
  type PagedQuery,
  queryPage,
} from '../../src/services/plumbing/listing.js'

type Row = { pk: string; sk: string }

/** A transport answering Queries on `pk = :p` from in-memory partitions, in sk order, honouring Limit. */
function fakeTransport(partitions: Record<string, string[]>) {
  const sent: QueryCommand[] = []
  return {
    sent,
    async send(command: unknown) {
      const input = (command as QueryCommand).input
      sent.push(command as QueryCommand)
      const pk = (input.ExpressionAttributeValues as Record<string, string>)[':p']!
      const rows: Row[] = (partitions[pk] ?? []).map((sk) => ({ pk, sk }))
      const after = input.ExclusiveStartKey?.sk as string | undefined
      const rest = rows.filter((row) => after === undefined || row.sk > after)
      const items = rest.slice(0, input.Limit ?? rest.length)
      const more = items.length < rest.length
      return { Items: items, LastEvaluatedKey: more ? { pk, sk: items[items.length - 1]!.sk } : undefined }
    },
  }
}

const query = (pk: string): PagedQuery<string> => ({
  input: { TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': pk } },
  keyAttributes: ['pk', 'sk'],
  read: (raw) => String(raw.sk),
})

const expectInvalidCursor = (promise: Promise<unknown>) =>
  expect(promise).rejects.toSatisfy((e) => e instanceof ValidationError && /cursor/.test(String(e.message)))

describe('cursor encoding', () => {
  const Position = z.strictObject({ n: z.number() })

  it('decodes what it encoded, within the same scope', () => {
    expect(decodeCursor(encodeCursor({ n: 3 }, 'scope'), Position, 'scope')).toEqual({ n: 3 })
    expect(decodeCursor(null, Position, 'scope')).toBeUndefined()
  })

  it('refuses a cursor of another scope, an edited position and garbage', () => {
    const cursor = encodeCursor({ n: 3 }, 'scope')
    expect(() => decodeCursor(cursor, Position, 'other')).toThrow(ValidationError)
    const envelope = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    const edited = Buffer.from(JSON.stringify({ ...envelope, k: { n: 4 } })).toString('base64url')
    expect(() => decodeCursor(edited, Position, 'scope')).toThrow(ValidationError)
    expect(() => decodeCursor('not a cursor!', Position, 'scope')).toThrow(ValidationError)
    const undigested = Buffer.from(JSON.stringify({ n: 3 })).toString('base64url')
    expect(() => decodeCursor(undigested, Position, 'scope')).toThrow(ValidationError)
  })

  it('refuses a position the check rejects even with a valid digest', () => {
    expect(() => decodeCursor(encodeCursor({ n: 'x' }, 's'), Position, 's')).toThrow(ValidationError)
  })
})

describe('queryPage', () => {
  it('pages through a partition with exactly limit items and a null cursor at the end', async () => {
    const transport = fakeTransport({ a: ['1', '2', '3', '4'] })
    const first = await queryPage(transport, query('a'), { limit: 2 })
    expect(first.items).toEqual(['1', '2'])
    const second = await queryPage(transport, query('a'), { limit: 2, cursor: first.cursor })
    expect(second).toEqual({ items: ['3', '4'], cursor: null })
    expect((transport.sent[0]!.input as { Limit?: number }).Limit).toBe(3)
  })

  it("refuses another partition's cursor", async () => {
    const transport = fakeTransport({ a: ['1', '2', '3'], b: ['1', '2', '3'] })
    const { cursor } = await queryPage(transport, query('a'), { limit: 1 })
    await expectInvalidCursor(queryPage(transport, query('b'), { limit: 1, cursor }))
  })
})

describe('mergedQueryPage', () => {
  it('merges partitions in sort order and resumes each where it stopped', async () => {
    const transport = fakeTransport({ a: ['1', '4', '5'], b: ['2', '3', '6'] })
    const partitions = [query('a'), query('b')]
    const bySk = (raw: Record<string, unknown>) => String(raw.sk)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: ListResult<string> = await mergedQueryPage(transport, partitions, bySk, {
        limit: 2,
        cursor,
      })
      seen.push(...page.items)
      cursor = page.cursor
    } while (cursor)
    expect(seen).toEqual(['1', '2', '3', '4', '5', '6'])
  })

  it('refuses a cursor of a single partition', async () => {
    const transport = fakeTransport({ a: ['1', '2'], b: ['3'] })
    const { cursor } = await queryPage(transport, query('a'), { limit: 1 })
    await expectInvalidCursor(
      mergedQueryPage(transport, [query('a'), query('b')], (raw) => String(raw.sk), { limit: 1, cursor }),
    )
  })
})

describe('chainedQueryPage', () => {
  it('reads all of the first query, then the next, across pages', async () => {
    const transport = fakeTransport({ a: ['1', '2', '3'], b: ['1', '2'] })
    const queries = [query('a'), query('b')]
    const pages: string[][] = []
    let cursor: string | null = null
    do {
      const page: ListResult<string> = await chainedQueryPage(transport, queries, { limit: 2, cursor })
      pages.push(page.items)
      cursor = page.cursor
    } while (cursor)
    expect(pages.flat()).toEqual(['1', '2', '3', '1', '2'])
    expect(pages.every((items) => items.length > 0)).toBe(true)
  })

  it('ends with a null cursor when the last query ends a full page', async () => {
    const transport = fakeTransport({ a: ['1'], b: ['2'] })
    expect(await chainedQueryPage(transport, [query('a'), query('b')], { limit: 2 })).toEqual({
      items: ['1', '2'],
      cursor: null,
    })
  })
})
