import { describe, expect, it } from 'vitest'
import { itemSize, PartitionBudget, partitionWrites, wcuOf } from '../../bench/support/write-budget.js'

const hashKeyOf = (table: string) => (table === 'data' ? 'pk' : undefined)

describe('the write budget of the distributed simulation', () => {
  it('sizes items as DynamoDB counts them: names plus values', () => {
    expect(itemSize({ pk: { S: 'abc' }, n: { N: '12345' }, ok: { BOOL: true } })).toBe(2 + 3 + 1 + 4 + 2 + 1)
    expect(wcuOf(1024)).toBe(1)
    expect(wcuOf(1025)).toBe(2)
    expect(wcuOf(0)).toBe(1)
  })

  it('finds the partition and WCU of each write, by item size or as an estimate', () => {
    const big = { pk: { S: 'p1' }, body: { S: 'x'.repeat(3_000) } }
    expect(partitionWrites('PutItem', { TableName: 'data', Item: big }, hashKeyOf)).toEqual([
      { table: 'data', partition: '{"S":"p1"}', wcu: 3, source: 'request-item' },
    ])
    expect(partitionWrites('UpdateItem', { TableName: 'data', Key: { pk: { S: 'p2' } } }, hashKeyOf)).toEqual(
      [{ table: 'data', partition: '{"S":"p2"}', wcu: 1, source: 'estimate' }],
    )
    const batch = partitionWrites(
      'BatchWriteItem',
      {
        RequestItems: {
          data: [
            { PutRequest: { Item: { pk: { S: 'a' } } } },
            { DeleteRequest: { Key: { pk: { S: 'b' } } } },
          ],
        },
      },
      hashKeyOf,
    )
    expect(batch.map((w) => [w.partition, w.wcu])).toEqual([
      ['{"S":"a"}', 1],
      ['{"S":"b"}', 1],
    ])
    const transaction = partitionWrites(
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: 'data', Item: { pk: { S: 'a' } } } }] },
      hashKeyOf,
    )
    expect(transaction[0]!.wcu).toBe(2)
    expect(partitionWrites('PutItem', { TableName: 'other', Item: big }, hashKeyOf)).toEqual([])
  })

  it('throttles a partition past its budget, refills it with time, and leaves other partitions alone', () => {
    const budget = new PartitionBudget(10, 2)
    const write = (partition: string) => [{ table: 'data', partition, wcu: 1, source: 'estimate' as const }]
    expect(budget.admit(write('a'), 0)).toBe(true)
    expect(budget.admit(write('a'), 0)).toBe(true)
    expect(budget.admit(write('a'), 0)).toBe(false)
    expect(budget.admit(write('b'), 0)).toBe(true)
    expect(budget.admit(write('a'), 100)).toBe(true) // 100 ms at 10 WCU/s: one more
    expect(budget.admit(write('a'), 100)).toBe(false)
    budget.charge('data a', 3, 100) // a write found larger after its answer: the debt delays the next
    expect(budget.admit(write('a'), 300)).toBe(false)
    expect(budget.admit(write('a'), 500)).toBe(true)
    expect(budget.charged.get('data a')).toBe(7)
  })
})
