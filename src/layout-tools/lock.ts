import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { DynamoDBClientLike } from '../config.js'
import type { Transport } from '../engine/transport.js'
import { ConflictError } from '../errors.js'
import { isConditionFailure } from '../services/plumbing/aws-errors.js'

const LEASE_MS = 30_000
const RENEW_MS = 10_000
/**
 * A writer stops once less than this is left of the lease it last confirmed: two renewals in a row
 * failed. More than one write request takes plus any clock skew between two migrating machines, so
 * the lease never lapses (and another run never takes it) while a write of this one is in flight:
 * `guardWrites` checks it before every write request, not once per batch (a slow batch of many
 * requests would otherwise write on past the lease).
 */
const SAFETY_MS = 10_000
const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
])
const LOCK_ID = '$ragcrawl#migration-lock'

/** Run instances of this process holding or taking a lock: a lock of one of them is alive. */
const runsInProcess = new Set<string>()

interface LockItem {
  lock_owner?: string
  lock_run?: string
  lock_host?: string
  lock_pid?: number
  lock_expires_at?: number
}

/**
 * A leased lock item in the target's first table, so that at most one run writes to the target at a
 * time. It is held by one run instance (`lock_run`, random per run); `lock_owner` is the migration
 * (the checkpoint's id). The holder renews it, each renewal conditional on still holding it, and
 * every batch write is preceded by `assertHeld()`, which throws once the lock was taken away or its
 * lease could lapse (a consistent read), and every write request by the lease check of
 * `guardWrites` (no read). A run killed mid-way leaves the item: a rerun of the same migration on the
 * same machine takes it back at once when the holder's process is gone (and never while it lives,
 * so two runs started with the same checkpoint cannot both hold it); anyone else waits for the
 * lease to lapse. No read path sees the item: it is no entity of either layout.
 */
export class MigrationLock {
  private timer: NodeJS.Timeout | undefined
  private readonly run = randomUUID()
  /** The lease end this run last wrote successfully (by its own clock). */
  private expiresAt = 0
  private lost: string | undefined
  private renewError: unknown

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
    migrationId: string,
  ): MigrationLock {
    return new MigrationLock(
      client,
      table,
      Object.fromEntries(keyNames.map((name) => [name, LOCK_ID])),
      migrationId,
    )
  }

  async acquire(): Promise<void> {
    runsInProcess.add(this.run)
    try {
      await this.take()
    } catch (error) {
      runsInProcess.delete(this.run)
      throw error
    }
    this.timer = setInterval(() => void this.renew(), RENEW_MS)
    this.timer.unref()
  }

  /**
   * Throws a `ConflictError` unless this run still holds the lock with time to spare: read
   * consistently, so a lock taken away (or lapsed) stops the run before its next write.
   */
  async assertHeld(): Promise<void> {
    this.assertLeaseLeft()
    const { Item } = (await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }),
    )) as { Item?: LockItem }
    if (Item?.lock_run !== this.run) this.lose('another run took the migration lock over')
    this.assertLeaseLeft()
  }

  /**
   * Refuses every write request sent through `transport` (the lock item's own aside) once the lock
   * was lost or its lease ran low: the request throws this lock's `ConflictError` and is not sent.
   * Returns the function that removes the guard.
   */
  guardWrites(transport: Pick<Transport, 'onRequest'>): () => void {
    return transport.onRequest((operation, input) => {
      if (WRITE_OPERATIONS.has(operation) && !this.isOwnRequest(input)) this.assertLeaseLeft()
    })
  }

  private isOwnRequest(input: Record<string, unknown>): boolean {
    const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined
    return (
      input.TableName === this.table &&
      item !== undefined &&
      Object.entries(this.key).every(([name, value]) => item[name] === value)
    )
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.lost ??= 'the migration lock was released'
    runsInProcess.delete(this.run)
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key,
          ConditionExpression: '#run = :run',
          ExpressionAttributeNames: { '#run': 'lock_run' },
          ExpressionAttributeValues: { ':run': this.run },
        }),
      )
      .catch(() => {})
  }

  private assertLeaseLeft(): void {
    if (this.lost) throw new ConflictError(`Migration stopped: ${this.lost}`)
    if (Date.now() > this.expiresAt - SAFETY_MS) {
      const why = (this.renewError as Error | undefined)?.message ?? 'no renewal confirmed'
      this.lose(`the migration lock could not be renewed before its lease ran low (${why})`)
    }
  }

  private lose(reason: string): never {
    this.lost ??= reason
    if (this.timer) clearInterval(this.timer)
    throw new ConflictError(`Migration stopped: ${this.lost}`)
  }

  /** Takes a free or lapsed lock, or one this migration's dead run left on this machine. */
  private async take(): Promise<void> {
    try {
      await this.write('attribute_not_exists(#run) OR #run = :run OR #expires < :now')
      return
    } catch (error) {
      if (!isConditionFailure(error)) throw error
    }
    const { Item } = (await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }),
    )) as { Item?: LockItem }
    if (Item?.lock_run && Item.lock_owner === this.owner && holderIsGone(Item)) {
      try {
        await this.write('#run = :seen', { ':seen': Item.lock_run })
        return
      } catch (error) {
        if (!isConditionFailure(error)) throw error
      }
    }
    throw new ConflictError(
      'Another migration holds the lock on the target; wait for it or for its lease to lapse',
    )
  }

  private async renew(): Promise<void> {
    if (this.lost) return
    try {
      await this.write('#run = :run')
      this.renewError = undefined
    } catch (error) {
      if (isConditionFailure(error)) {
        this.lost ??= 'another run took the migration lock over'
        if (this.timer) clearInterval(this.timer)
      } else this.renewError = error // assertHeld stops the writers if the lease runs low
    }
  }

  private async write(condition: string, values: Record<string, unknown> = {}): Promise<void> {
    const now = Date.now()
    const expiresAt = now + LEASE_MS
    const item: LockItem = {
      lock_owner: this.owner,
      lock_run: this.run,
      lock_host: hostname(),
      lock_pid: process.pid,
      lock_expires_at: expiresAt,
    }
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key, ...item },
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          '#run': 'lock_run',
          ...(condition.includes('#expires') ? { '#expires': 'lock_expires_at' } : {}),
        },
        ExpressionAttributeValues: {
          ...(condition.includes(':run') ? { ':run': this.run } : {}),
          ...(condition.includes(':now') ? { ':now': now } : {}),
          ...values,
        },
      }),
    )
    this.expiresAt = Math.max(this.expiresAt, expiresAt)
  }
}

/** The lock's holder certainly runs no more: a run of this process that ended, or a dead process here. */
function holderIsGone(item: LockItem): boolean {
  if (item.lock_host !== hostname() || typeof item.lock_pid !== 'number') return false
  if (item.lock_pid === process.pid) return !runsInProcess.has(item.lock_run!)
  try {
    process.kill(item.lock_pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
