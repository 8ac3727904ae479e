import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBClientLike } from '../config.js'
import { ConflictError } from '../errors.js'
import { isConditionFailure } from '../services/shared/aws-errors.js'

const LEASE_MS = 30_000
const RENEW_MS = 10_000
const LOCK_ID = '$ragcrawl#migration-lock'

/**
 * A leased lock item in the target's first table, so two migrations cannot interleave. The
 * holder renews it; a run killed mid-way leaves it to expire, and a rerun from the same checkpoint
 * (same owner) takes it back at once. No read path sees it: it is no entity of either layout.
 */
export class MigrationLock {
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly client: DynamoDBClientLike,
    private readonly table: string,
    private readonly key: Record<string, string>,
    private readonly owner: string,
  ) {}

  static forTable(
    client: DynamoDBClientLike,
    table: string,
    keyNames: string[],
    owner: string,
  ): MigrationLock {
    return new MigrationLock(
      client,
      table,
      Object.fromEntries(keyNames.map((name) => [name, LOCK_ID])),
      owner,
    )
  }

  async acquire(): Promise<void> {
    await this.write()
    this.timer = setInterval(() => {
      this.write().catch(() => {})
    }, RENEW_MS)
    this.timer.unref()
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'lock_owner' },
          ExpressionAttributeValues: { ':owner': this.owner },
        }),
      )
      .catch(() => {})
  }

  private async write(): Promise<void> {
    const now = Date.now()
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key, lock_owner: this.owner, lock_expires_at: now + LEASE_MS },
          ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :owner OR #expires < :now',
          ExpressionAttributeNames: { '#owner': 'lock_owner', '#expires': 'lock_expires_at' },
          ExpressionAttributeValues: { ':owner': this.owner, ':now': now },
        }),
      )
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(
          'Another migration holds the lock on the target; wait for it or for its lease to lapse',
          {
            cause: error,
          },
        )
      }
      throw error
    }
  }
}
