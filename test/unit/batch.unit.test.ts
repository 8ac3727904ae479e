import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { CapacityError } from '../../src/errors.js'
import { type BatchWrite, batchWrite } from '../../src/services/plumbing/batch.js'

type Request = {
  PutRequest?: { Item: Record<string, unknown> }
  DeleteRequest?: { Key: Record<string, unknown> }
}
type RequestItems = Record<string, Request[]>

/** A transport that records each BatchWriteItem and answers with what `unprocessed` picks as left. */
function fakeTransport(unprocessed: (items: RequestItems, call: number) => RequestItems | undefined) {
  const calls: RequestItems[] = []
  return {
    calls,
    async send(command: unknown) {
      expect(command).toBeInstanceOf(BatchWriteCommand)
      const items = (command as BatchWriteCommand).input.RequestItems as RequestItems
      calls.push(items)
      return { UnprocessedItems: unprocessed(items, calls.length - 1) ?? {} }
    },
  }
}

const put = (table: string, pk: string, sk: string): BatchWrite => ({
  table,
  key: { pk, sk },
  item: { pk, sk, body: `${pk}/${sk}` },
  id: `${pk}/${sk}`,
})
const del = (table: string, pk: string, sk: string): BatchWrite => ({
  table,
  key: { pk, sk },
  id: `${pk}/${sk}`,
})
const sentKeys = (items: RequestItems) =>
  Object.entries(items).flatMap(([table, requests]) =>
    requests.map((r) => {
      const body = r.PutRequest?.Item ?? r.DeleteRequest!.Key
      return `${table}:${body.pk}/${body.sk}`
    }),
  )

describe('batchWrite retries exactly the unprocessed items', () => {
  it('resends only the puts and deletes DynamoDB left unprocessed, matched by table and key', async () => {
    const writes = [put('a', 'p', '1'), put('a', 'p', '2'), del('b', 'p', '1'), del('b', 'p', '2')]
    const transport = fakeTransport((items, call) =>
      // First answer: one put (echoed with its full item) and one delete left over.
      call === 0 ? { a: [items.a![1]!], b: [items.b![0]!] } : undefined,
    )
    await batchWrite(transport, writes, { maxRetries: 3 })
    expect(transport.calls).toHaveLength(2)
    expect(sentKeys(transport.calls[1]!)).toEqual(['a:p/2', 'b:p/1'])
    expect(transport.calls[1]!.a![0]!.PutRequest!.Item.body).toBe('p/2')
  })

  it('does not confuse a key of one table with the same key of another', async () => {
    const writes = [del('a', 'p', '1'), del('b', 'p', '1')]
    const transport = fakeTransport((items, call) => (call === 0 ? { b: items.b! } : undefined))
    await batchWrite(transport, writes, { maxRetries: 3 })
    expect(sentKeys(transport.calls[1]!)).toEqual(['b:p/1'])
  })

  it('matches on the key attributes only, whatever else an unprocessed put carries', async () => {
    const transport = fakeTransport((_, call) =>
      call === 0 ? { a: [{ PutRequest: { Item: { sk: '2', pk: 'p', body: 'other' } } }] } : undefined,
    )
    await batchWrite(transport, [put('a', 'p', '1'), put('a', 'p', '2')], { maxRetries: 3 })
    expect(sentKeys(transport.calls[1]!)).toEqual(['a:p/2'])
  })

  it('splits into requests of 25 and retries each one on its own', async () => {
    const writes = Array.from({ length: 30 }, (_, i) => del('a', 'p', String(i).padStart(2, '0')))
    const transport = fakeTransport((items, call) =>
      call < 2 && items.a!.length === 5 ? { a: items.a!.slice(0, 1) } : undefined,
    )
    await batchWrite(transport, writes, { maxRetries: 3, concurrency: 1 })
    expect(transport.calls.map((c) => c.a!.length)).toEqual([25, 5, 1])
    expect(sentKeys(transport.calls[2]!)).toEqual(['a:p/25'])
  })

  it('names every write still unprocessed in a CapacityError when the retries run out', async () => {
    const writes = [put('a', 'p', '1'), put('a', 'p', '2'), put('a', 'p', '3')]
    const transport = fakeTransport((items) => ({ a: items.a!.filter((r) => r.PutRequest!.Item.sk !== '1') }))
    const error = await batchWrite(transport, writes, { maxRetries: 2, idLabel: 'pageId' }).catch((e) => e)
    expect(error).toBeInstanceOf(CapacityError)
    expect(error.unprocessed).toEqual(['p/2', 'p/3'])
    expect(error.message).toMatch(/2 of 3 writes .* unsaved pageIds: p\/2, p\/3/)
    expect(transport.calls).toHaveLength(3)
  })

  it('sends nothing for no writes', async () => {
    const transport = fakeTransport(() => undefined)
    await batchWrite(transport, [])
    expect(transport.calls).toHaveLength(0)
  })
})
