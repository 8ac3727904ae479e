import type { Transport } from '../../engine/transport.js'
import { ConflictError, NotFoundError } from '../../errors.js'
import { fromOwnStored, fromStored } from '../../model/read.js'
import {
  type FrontierItem,
  FrontierItemSchema,
  type FrontierStatus,
  FrontierStatusSchema,
} from '../../model/schemas.js'
import type { FrontierStore, StatusRequest } from '../layout.js'
import type { Claim, LeaseExtension, RetryRequest } from '../options.js'
import { newWriteToken } from '../pages/page-write.js'
import { isConditionFailure } from '../plumbing/aws-errors.js'
import { batchWrite } from '../plumbing/batch.js'
import type { ListOptions, ListResult } from '../plumbing/listing.js'
import { mapConcurrent } from '../plumbing/retry.js'
import type { Condition, FrontierAdapter, ItemChange, WhereAttributes, WhereOperations } from './adapter.js'
import { ClaimPlan } from './claim-plan.js'
import {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  type RetryPolicy,
  requeueChange,
  requeueCondition,
  retryAlreadyApplied,
  retryChange,
  retryCondition,
  retryToken,
} from './retries.js'

/** Claim Queries of one shard at most (re-reading its head after lost races, or reading on). */
const READS_PER_SHARD = 3

export const TERMINAL_STATUSES: readonly FrontierStatus[] = ['completed', 'failed', 'skipped']
export const ALL_STATUSES = FrontierStatusSchema.options

/**
 * One take of a claim. Its lease is computed when the take is sent (a slow claim still hands out
 * full leases), and its random token is written with it: the take's condition also accepts the
 * item holding that token, so a take the SDK sends again answers like its first delivery, and
 * after a lost answer a read tells whether the take landed.
 */
export interface TakeAttempt {
  workerId: string
  token: string
  startedAt: string
  leaseExpiresAt: string
}

export function newTakeAttempt(claim: Claim, claimedAtMs?: number): TakeAttempt {
  const now = Date.now()
  return {
    workerId: claim.workerId,
    token: newWriteToken(),
    // With politeness, the claim's instant is that of its domain write (what other claimers judge by).
    startedAt: new Date(claimedAtMs ?? now).toISOString(),
    leaseExpiresAt: new Date(now + claim.leaseSeconds * 1000).toISOString(),
  }
}

/** What a take writes: the item in progress, leased to the claimer, holding the take's token. */
export function takenState(attempt: TakeAttempt) {
  return {
    status: 'in_progress' as const,
    workerId: attempt.workerId,
    leaseExpiresAt: attempt.leaseExpiresAt,
    startedAt: attempt.startedAt,
    writeToken: attempt.token,
  }
}

/** A claim candidate: the item and its lease end exactly as stored (the take's condition matches it). */
export interface Candidate {
  item: FrontierItem
  storedLease: string | undefined
}

/**
 * Claimable now, by this process's clock: not scheduled for later, and pending, or in_progress
 * with a lease that ended (by the instant it names, whatever its format) or without a lease.
 */
export function isClaimable(item: FrontierItem, now = Date.now()): boolean {
  if (item.scheduledAt !== null && item.scheduledAt.getTime() > now) return false
  if (item.status === 'pending') return true
  if (item.status !== 'in_progress') return false
  return item.leaseExpiresAt === null || item.leaseExpiresAt.getTime() < now
}

/**
 * The claimable items of one claim page, each with its stored lease string: pending items, then
 * expired leases, each in queue order (an item read twice counts once).
 */
export function candidatesOf(
  raws: Record<string, unknown>[],
  read: (raw: Record<string, unknown>) => FrontierItem | undefined,
  leaseAttribute: string,
  now = Date.now(),
): Candidate[] {
  const seen = new Set<string>()
  const pending: Candidate[] = []
  const expired: Candidate[] = []
  for (const raw of raws) {
    const item = read(raw)
    if (!item || !isClaimable(item, now) || seen.has(item.itemId)) continue
    seen.add(item.itemId)
    const lease = raw[leaseAttribute]
    const candidate = { item, storedLease: typeof lease === 'string' ? lease : undefined }
    ;(item.status === 'pending' ? pending : expired).push(candidate)
  }
  const inQueueOrder = (a: Candidate, b: Candidate) => compareQueueOrder(a.item, b.item)
  return [...pending.sort(inQueueOrder), ...expired.sort(inQueueOrder)]
}

/** Epoch seconds at which a finished item expires, or `undefined` (open items, or TTL off). */
export function expiryOf(status: FrontierStatus, now: Date, ttlDays: number | null): number | undefined {
  if (ttlDays === null || !TERMINAL_STATUSES.includes(status)) return undefined
  return Math.floor(now.getTime() / 1000 + ttlDays * 86_400)
}

/** TTL deletes lazily: an item past its expiry is treated as gone. */
export function isExpired(ttl: unknown, now = Date.now()): boolean {
  return typeof ttl === 'number' && ttl * 1000 <= now
}

/** Highest priority first, then oldest discoveredAt, then itemId: the order of every listing and claim. */
export function compareQueueOrder(a: FrontierItem, b: FrontierItem): number {
  if (a.priority !== b.priority) return b.priority - a.priority
  const byTime = a.discoveredAt.getTime() - b.discoveredAt.getTime()
  if (byTime !== 0) return byTime
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0
}

/** Items with the same (runId, itemId) beyond their first are duplicates within one enqueue call. */
export function splitDuplicates<T extends { runId: string; itemId: string }>(
  items: T[],
): { unique: T[]; repeats: number } {
  const seen = new Set<string>()
  const unique = items.filter((item) => {
    const key = JSON.stringify([item.runId, item.itemId])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return { unique, repeats: items.length - unique.length }
}

/** What a status update writes: fields to set, fields to remove, and whether a retry is counted. */
export interface StatusChange {
  set: { status: FrontierStatus; completedAt?: string; lastError?: string; ttl?: number }
  remove: ('ttl' | 'leaseExpiresAt' | 'workerId')[]
  countsRetry: boolean
}

/**
 * A status update: finished statuses stamp `completedAt` and an expiry; leaving `in_progress`
 * ends the lease; back to `pending` also forgets the worker; `failed` counts a retry.
 */
export function statusChange(
  next: FrontierStatus,
  now: Date,
  ttlDays: number | null,
  error?: string,
): StatusChange {
  const ttl = expiryOf(next, now, ttlDays)
  const remove: StatusChange['remove'] = []
  if (ttl === undefined) remove.push('ttl')
  if (next !== 'in_progress') remove.push('leaseExpiresAt')
  if (next === 'pending') remove.push('workerId')
  return {
    set: {
      status: next,
      ...(TERMINAL_STATUSES.includes(next) ? { completedAt: now.toISOString() } : {}),
      ...(error !== undefined ? { lastError: error } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
    },
    remove,
    countsRetry: next === 'failed',
  }
}

const ENQUEUE_CONCURRENCY = 16
/** Reads a retry makes at most while concurrent writes keep changing the item. */
const RETRY_READS = 5

/** What makes an enqueue's put a create: its token, and a condition that the item does not exist. */
export interface CreateGuard {
  writeToken: string
  condition: Condition
}

/**
 * Enqueues validated items, each with a put that fails its condition when the item exists:
 * duplicates within the call and already-stored items are counted, not written. The condition
 * lets the put's own token through, so the SDK's resend of a put whose answer was lost counts as
 * added, as its first delivery did.
 */
export async function enqueueEach(
  items: FrontierItem[],
  create: (item: FrontierItem, guard: CreateGuard) => Promise<unknown>,
  isConditionFailure: (error: unknown) => boolean,
): Promise<{ added: number; duplicates: number }> {
  const { unique, repeats } = splitDuplicates(items)
  const added = await countApplied(
    unique,
    (item) => {
      const writeToken = newWriteToken()
      return create(item, {
        writeToken,
        condition: (attr, op) => `(${op.notExists(attr.itemId)} OR ${op.eq(attr.writeToken, writeToken)})`,
      })
    },
    isConditionFailure,
  )
  return { added, duplicates: repeats + unique.length - added }
}

/**
 * Sends one conditional write per item, concurrently; how many were applied (a failed condition
 * is not counted). Any other failure is thrown once every write has settled.
 */
export async function countApplied<T>(
  items: readonly T[],
  write: (item: T) => Promise<unknown>,
  isConditionFailure: (error: unknown) => boolean,
): Promise<number> {
  const results = await mapConcurrent(items, ENQUEUE_CONCURRENCY, async (item) => {
    try {
      await write(item)
      return true
    } catch (error) {
      if (isConditionFailure(error)) return false
      throw error
    }
  })
  const failure = results.find((r) => r.status === 'rejected')
  if (failure) throw (failure as PromiseRejectedResult).reason
  return results.filter((r) => r.status === 'fulfilled' && r.value).length
}

/**
 * A take's condition: the item is still as it was read (pending, or in_progress with the exact
 * stored lease end, or none), or it already holds this take (the SDK's resend of it).
 */
export function takeCondition({ item, storedLease }: Candidate, attempt: TakeAttempt): Condition {
  return (attr: WhereAttributes, op: WhereOperations): string => {
    const lease =
      storedLease === undefined ? op.notExists(attr.leaseExpiresAt) : op.eq(attr.leaseExpiresAt, storedLease)
    const seen =
      item.status === 'pending'
        ? op.eq(attr.status, 'pending')
        : `${op.eq(attr.status, 'in_progress')} AND ${lease}`
    return `((${seen}) OR (${heldBy(attempt, attr, op)}))`
  }
}

/** A release's condition: the item holds the take (and nothing was written over it since). */
export function releaseCondition(attempt: TakeAttempt): Condition {
  return (attr: WhereAttributes, op: WhereOperations): string => `(${heldBy(attempt, attr, op)})`
}

function heldBy(attempt: TakeAttempt, attr: WhereAttributes, op: WhereOperations): string {
  return `${op.eq(attr.status, 'in_progress')} AND ${op.eq(attr.writeToken, attempt.token)}`
}

/** How a layout takes an item for a claim, and what it does when a take got no answer. */
export interface Taker {
  /** The conditional take: the item as stored after it, or null when the race was lost. */
  take(candidate: Candidate, attempt: TakeAttempt): Promise<FrontierItem | null>
  /** A strongly consistent read: the item if `attempt`'s take landed on it, else null. */
  landed(candidate: Candidate, attempt: TakeAttempt): Promise<FrontierItem | null>
  /** Puts the item back to pending if `attempt`'s take landed on it (conditional on its token). */
  release(candidate: Candidate, attempt: TakeAttempt): Promise<void>
}

/**
 * Politeness of a claim made with `domainIntervalMs`: the shared (run, domain) write made before
 * each take, and this instance's memory of domains known not to be due.
 */
export interface DomainGate {
  intervalMs: number
  /** The politeness write: true when the domain was due and is now claimed at `instantMs`. */
  claim(domain: string, instantMs: number, token: string): Promise<boolean>
  /** Known not due now (a recent failed write, or this instance's own recent claim). */
  held(domain: string): boolean
  hold(domain: string, untilMs: number): void
}

interface TakeOutcome {
  item: FrontierItem | null
  fault?: { error: unknown }
  /** The take was sent and lost its race. */
  lost?: boolean
  /** The domain's politeness write succeeded at this instant (the domain is this claim's now). */
  slot?: number
}

/**
 * Claims up to `want` candidates, page by page in the order given: each page's candidates are
 * taken (a conditional write each) in batches of what is still wanted, so of two workers racing
 * for an item exactly one wins, and a lost race moves on to the next candidate (`onLost` hears of
 * it). With a `gate`, each take is preceded by its domain's politeness write: a batch holds at most
 * one item per domain, a domain not due is passed over, and one claimed is not claimed twice in
 * the call (a take that lost its race hands the domain's slot to the next candidate of it).
 *
 * A request that fails ends the claim after its batch, and no item is stranded by it: a take that
 * got no answer is checked (and returned if it landed) or, if even that fails, released; a
 * politeness write that failed sends no take. The claim returns what it took, and throws only when
 * it took nothing (an item it could neither check nor release stays leased until its lease ends).
 */
export async function takeInOrder(
  pages: AsyncIterable<Candidate[]>,
  want: number,
  claim: Claim,
  taker: Taker,
  options: { gate?: DomainGate; onLost?: () => void } = {},
): Promise<FrontierItem[]> {
  const { gate, onLost } = options
  const claimed: FrontierItem[] = []
  const claimedDomains = new Set<string>()
  const slots = new Map<string, number>()
  let fault: { error: unknown } | undefined
  try {
    claiming: for await (const page of pages) {
      let candidates = page
      while (candidates.length > 0 && claimed.length < want) {
        const batch: Candidate[] = []
        const rest: Candidate[] = []
        const batchDomains = new Set<string>()
        for (const candidate of candidates) {
          const domain = candidate.item.domain
          if (gate && (claimedDomains.has(domain) || (!slots.has(domain) && gate.held(domain)))) continue
          if (batch.length < want - claimed.length && !(gate && batchDomains.has(domain))) {
            batch.push(candidate)
            batchDomains.add(domain)
          } else rest.push(candidate)
        }
        candidates = rest
        const outcomes = await Promise.all(
          batch.map((c) => takeOne(c, claim, taker, gate, slots.get(c.item.domain))),
        )
        for (const [i, outcome] of outcomes.entries()) {
          const domain = batch[i]!.item.domain
          if (outcome.item) {
            claimed.push(outcome.item)
            claimedDomains.add(domain)
            slots.delete(domain)
          } else if (outcome.slot !== undefined) slots.set(domain, outcome.slot)
          if (outcome.lost) onLost?.()
          if (outcome.fault) fault ??= outcome.fault
        }
        if (fault) break claiming
      }
      if (claimed.length >= want) break
    }
  } catch (error) {
    fault ??= { error }
  }
  if (fault && claimed.length === 0) throw fault.error
  return claimed
}

async function takeOne(
  candidate: Candidate,
  claim: Claim,
  taker: Taker,
  gate: DomainGate | undefined,
  slot: number | undefined,
): Promise<TakeOutcome> {
  let instant = slot
  if (gate && instant === undefined) {
    const at = Date.now()
    try {
      if (!(await gate.claim(candidate.item.domain, at, newWriteToken()))) {
        gate.hold(candidate.item.domain, at + gate.intervalMs / 2)
        return { item: null }
      }
    } catch (error) {
      return { item: null, fault: { error } }
    }
    gate.hold(candidate.item.domain, at + gate.intervalMs)
    instant = at
  }
  const attempt = newTakeAttempt(claim, instant)
  try {
    const item = await taker.take(candidate, attempt)
    return item ? { item } : { item: null, lost: true, ...(instant === undefined ? {} : { slot: instant }) }
  } catch (error) {
    return { item: await settleUnanswered(candidate, attempt, taker), fault: { error } }
  }
}

/** After a take got no answer: the item if it landed, else null; released when that cannot be read. */
async function settleUnanswered(candidate: Candidate, attempt: TakeAttempt, taker: Taker) {
  try {
    return await taker.landed(candidate, attempt)
  } catch {
    await taker.release(candidate, attempt).catch(() => undefined)
    return null
  }
}

/** A status update as sent: its token (written with it), the status asked for, by whom. */
export interface StatusUpdate {
  token: string
  next: FrontierStatus
  owner: string | undefined
  error: string | undefined
}

/**
 * Whether a status update whose condition failed had in fact already been applied: the item holds
 * its token (the SDK sent it again after a lost answer), or the owner asks for the status the item
 * already has from that owner (the caller's retry after a lost answer). Either way the item as
 * stored is the answer, and a `failed` is not counted twice.
 */
export function alreadyApplied(stored: FrontierItem, storedToken: unknown, update: StatusUpdate): boolean {
  if (storedToken === update.token) return true
  return (
    update.owner !== undefined &&
    stored.status === update.next &&
    stored.workerId === update.owner &&
    (update.error === undefined || stored.lastError === update.error)
  )
}

/** Why a conditional status update failed: the item is gone (or expired), or another worker holds it. */
export function statusUpdateFailure(
  stored: object | null | undefined,
  runId: string,
  itemId: string,
  owner: string | undefined,
  cause: unknown,
): Error {
  if (!stored || isExpired((stored as { ttl?: unknown }).ttl)) {
    return new NotFoundError(
      `Frontier item ${JSON.stringify(itemId)} of run ${JSON.stringify(runId)} not found`,
      { cause },
    )
  }
  return new ConflictError(
    `Frontier item ${JSON.stringify(itemId)} is not leased to worker ${JSON.stringify(owner)}`,
    {
      cause,
    },
  )
}

/**
 * A status update's condition: the item does not hold this update's token yet (so the SDK's
 * resend fails and is recognised), and when an owner is named, it holds the lease.
 */
export function statusCondition(token: string, owner: string | undefined): Condition {
  return (attr, op) => {
    const fresh = `(${op.notExists(attr.writeToken)} OR ${op.ne(attr.writeToken, token)})`
    if (owner === undefined) return fresh
    return `(${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, 'in_progress')} AND ${fresh})`
  }
}

/**
 * The frontier, for either layout: enqueue (create-only puts), listing, claim (conditional takes
 * with leases and write tokens), status updates and clear; keys, item shape and queries come from
 * the layout's adapter.
 */
export class FrontierTable<Key, Attributes> implements FrontierStore {
  constructor(
    private readonly adapter: FrontierAdapter<Key, Attributes>,
    private readonly transport: Transport,
    private readonly ttlDays: number | null,
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async save(item: FrontierItem): Promise<FrontierItem> {
    await this.adapter.put(this.attributes(item))
    this.plan.forgetEmpty(item.runId)
    return item
  }

  async enqueue(items: FrontierItem[]): Promise<{ added: number; duplicates: number }> {
    for (const runId of new Set(items.map((item) => item.runId))) this.plan.forgetEmpty(runId)
    return enqueueEach(
      items,
      (item, guard) => this.adapter.put(this.attributes(item), guard),
      isConditionFailure,
    )
  }

  list(
    runId: string,
    options?: ListOptions & { status?: FrontierStatus },
  ): Promise<ListResult<FrontierItem>> {
    return this.adapter.list(runId, options, (raw) => this.read(raw))
  }

  /**
   * A claim: one Query of the claim index per shard tried (the home shard first, shards found
   * empty lately last), each page's claimable items (pending in queue order, then expired leases)
   * tried in the order `ClaimPlan` gives; returns them in queue order.
   */
  async claim(runId: string, claim: Claim): Promise<FrontierItem[]> {
    const { adapter, plan } = this
    const window = plan.window(runId, claim.limit)
    const read = (raw: Record<string, unknown>) => this.read(raw)
    const shards = plan.shardOrder(runId, adapter.shards, adapter.homeShard(claim.workerId))
    let losses = 0
    async function* pages(): AsyncGenerator<Candidate[]> {
      for (const shard of shards) {
        if (plan.justFoundEmpty(runId, shard)) continue
        let start: Record<string, unknown> | undefined
        for (let reads = 0; reads < READS_PER_SHARD; reads++) {
          const page = await adapter.claimPage(runId, shard, window, Date.now(), claim.limit, start)
          const candidates = candidatesOf(page.items, read, adapter.stored.lease)
          plan.sawShard(runId, shard, candidates.length > 0)
          const lostBefore = losses
          yield plan.arrange(runId, candidates)
          if (!page.next) break
          // After lost races the head moved (the winners' items left it): read it again.
          start = losses > lostBefore ? undefined : page.next
        }
      }
    }
    const claimed = await takeInOrder(pages(), claim.limit, claim, this.taker, {
      ...(claim.domainIntervalMs === undefined ? {} : { gate: this.gate(runId, claim.domainIntervalMs) }),
      onLost: () => {
        if (losses === 0) plan.lostRace(runId)
        losses++
      },
    })
    if (losses === 0 && claimed.length > 0) plan.claimedWithoutRace(runId)
    return claimed.sort(compareQueueOrder)
  }

  /** What this instance remembers between claims (spread, empty shards, domains not due). */
  private readonly plan = new ClaimPlan()

  private gate(runId: string, intervalMs: number): DomainGate {
    return {
      intervalMs,
      claim: (domain, instantMs, token) =>
        this.adapter.claimDomain(runId, domain, instantMs, intervalMs, token),
      held: (domain) => this.plan.domainHeld(runId, domain),
      hold: (domain, untilMs) => this.plan.holdDomain(runId, domain, untilMs),
    }
  }

  async updateStatus(
    runId: string,
    itemId: string,
    next: FrontierStatus,
    request: StatusRequest,
  ): Promise<FrontierItem> {
    const { workerId: owner, error } = request
    const change = statusChange(next, new Date(), this.ttlDays, error)
    const sent: StatusUpdate = { token: newWriteToken(), next, owner, error }
    return this.ownerWrite(
      runId,
      itemId,
      owner,
      sent.token,
      {
        set: change.set,
        remove: change.remove,
        ...(change.countsRetry ? { add: { retryCount: 1 } } : {}),
      },
      (stored, storedToken) => alreadyApplied(stored, storedToken, sent),
    )
  }

  async clear(runId: string): Promise<number> {
    let deleted = 0
    for await (const deletes of this.adapter.deletesOfRun(runId)) {
      await batchWrite(this.transport, deletes)
      deleted += deletes.length
    }
    return deleted
  }

  /**
   * The owner's heartbeat: one conditional write of the lease end (owner, in_progress, and not this
   * write's token yet); a failed condition is told apart by a read: the SDK's resend of this very
   * write answers the item, otherwise `ConflictError` or `NotFoundError`.
   */
  async extendLease(runId: string, itemId: string, extension: LeaseExtension): Promise<FrontierItem> {
    const token = newWriteToken()
    const leaseExpiresAt = new Date(Date.now() + extension.leaseSeconds * 1000).toISOString()
    return this.ownerWrite(
      runId,
      itemId,
      extension.workerId,
      token,
      { set: { leaseExpiresAt } },
      (_, storedToken) => storedToken === token,
    )
  }

  /**
   * A write conditional on `statusCondition` (the owner's lease when one is named, and not this
   * write's `token` yet) that answers the item as stored. When the condition fails, a consistent
   * read tells whether the write was already applied (`applied`: then the item is the answer) from
   * an item gone (`NotFoundError`) or held by another worker (`ConflictError`).
   */
  private async ownerWrite(
    runId: string,
    itemId: string,
    owner: string | undefined,
    token: string,
    change: ItemChange,
    applied: (stored: FrontierItem, storedToken: unknown) => boolean,
  ): Promise<FrontierItem> {
    const key = this.adapter.key(runId, itemId)
    try {
      const data = await this.adapter.write(
        'patch',
        key,
        { ...change, set: { ...change.set, writeToken: token } },
        statusCondition(token, owner),
        'all_new',
      )
      return fromOwnStored(FrontierItemSchema, data, 'frontier item')
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause
      const raw = await this.adapter.getConsistent(key)
      const stored = raw && this.read(raw)
      if (stored && applied(stored, raw[this.adapter.stored.writeToken])) return stored
      throw statusUpdateFailure(stored ?? null, runId, itemId, owner, cause)
    }
  }

  /**
   * A failed attempt: a consistent read (the retry count decides pending or failed, and the
   * backoff), then a write conditional on the item being as read. A concurrent change makes it read
   * again; a write already applied (its token on the item) answers the item as stored.
   */
  async retry(runId: string, itemId: string, request: RetryRequest): Promise<FrontierItem> {
    const key = this.adapter.key(runId, itemId)
    let sent: string | undefined
    let cause: unknown
    for (let attempt = 0; attempt < RETRY_READS; attempt++) {
      const raw = await this.adapter.getConsistent(key)
      const stored = raw && this.read(raw)
      if (!stored) throw statusUpdateFailure(null, runId, itemId, request.workerId, cause)
      const storedToken = raw[this.adapter.stored.writeToken]
      if (retryAlreadyApplied(runId, itemId, stored, storedToken, request, sent)) return stored
      if (!isRetryable(stored, request.workerId)) {
        throw statusUpdateFailure(stored, runId, itemId, request.workerId, cause)
      }
      const now = new Date()
      sent = retryToken(runId, itemId, request, stored, newWriteToken)
      const change = retryChange(
        stored,
        request,
        this.retryPolicy,
        now,
        expiryOf('failed', now, this.ttlDays),
      )
      try {
        const data = await this.adapter.write(
          'patch',
          key,
          { ...change, set: { ...change.set, writeToken: sent } },
          retryCondition(stored, sent, request.workerId),
          'all_new',
        )
        return fromOwnStored(FrontierItemSchema, data, 'frontier item')
      } catch (error) {
        if (!isConditionFailure(error)) throw error
        cause = error
      }
    }
    throw new ConflictError(`Frontier item ${JSON.stringify(itemId)} kept changing while being retried`, {
      cause,
    })
  }

  /**
   * Every failed item of the run, read through the listing by status, back to pending: one
   * conditional write each (still failed, or holding this write's token: the SDK's resend counts
   * once); items another call requeued first are not counted.
   */
  async requeueFailed(runId: string): Promise<number> {
    let requeued = 0
    let cursor: string | null = null
    do {
      const page: ListResult<FrontierItem> = await this.list(runId, { status: 'failed', limit: 100, cursor })
      requeued += await countApplied(
        page.items,
        (item) => {
          const token = newWriteToken()
          const key = this.adapter.key(item.runId, item.itemId)
          return this.adapter.write('patch', key, requeueChange(token), requeueCondition(token), 'none')
        },
        isConditionFailure,
      )
      cursor = page.cursor
    } while (cursor)
    return requeued
  }

  /** The stored attributes of an item; `ttl` as given, else derived from its status. */
  attributes(item: FrontierItem, ttl?: number): Attributes {
    return this.adapter.attributes(item, ttl ?? expiryOf(item.status, new Date(), this.ttlDays))
  }

  private readonly taker: Taker = {
    take: async (candidate, attempt) => {
      const key = this.adapter.key(candidate.item.runId, candidate.item.itemId)
      try {
        const change = { set: takenState(attempt) }
        const data = await this.adapter.write(
          'update',
          key,
          change,
          takeCondition(candidate, attempt),
          'all_new',
        )
        return fromOwnStored(FrontierItemSchema, data, 'frontier item')
      } catch (error) {
        if (isConditionFailure(error)) return null
        throw error
      }
    },
    landed: async ({ item }, attempt) => {
      const raw = await this.adapter.getConsistent(this.adapter.key(item.runId, item.itemId))
      return raw?.status === 'in_progress' && raw[this.adapter.stored.writeToken] === attempt.token
        ? (this.read(raw) ?? null)
        : null
    },
    release: async ({ item }, attempt) => {
      const change = statusChange('pending', new Date(), this.ttlDays)
      const key = this.adapter.key(item.runId, item.itemId)
      await this.adapter
        .write('patch', key, { set: change.set, remove: change.remove }, releaseCondition(attempt), 'none')
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error
        })
    },
  }

  /** A live frontier item of a raw one; undefined when expired or not a frontier item. */
  private read(raw: Record<string, unknown>): FrontierItem | undefined {
    if (isExpired(raw.ttl)) return undefined
    const item = this.adapter.format(raw)
    if (item === undefined) return undefined
    return this.adapter.own(raw)
      ? fromOwnStored(FrontierItemSchema, item, 'frontier item')
      : fromStored(FrontierItemSchema, item, 'frontier item')
  }
}
