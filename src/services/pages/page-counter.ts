import { randomBytes } from 'node:crypto'
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { StorageError } from '../../errors.js'
import { awsErrorName, isConditionFailure, isRetryable } from '../plumbing/aws-errors.js'
import { extendUpdate, ADDED_NAME as P, ADDED_VALUE as V } from '../plumbing/update-expression.js'

/** How one save changes a site's page counts. */
export interface PageCountDelta {
  siteId: string
  total: number
  live: number
  /** Token of the page save it comes from: every delivery of one save has the same. */
  saveToken?: string
}

export function pageCountDelta(
  siteId: string,
  before: { isTombstone: boolean } | null,
  after: { isTombstone: boolean },
  saveToken?: string,
): PageCountDelta {
  const wasLive = before !== null && !before.isTombstone
  return {
    siteId,
    total: before === null ? 1 : 0,
    live: (after.isTombstone ? 0 : 1) - (wasLive ? 1 : 0),
    ...(saveToken === undefined ? {} : { saveToken }),
  }
}

/** Adds `delta` to its site's running sum in `bySite`. */
export function addToSiteSum(bySite: Map<string, PageCountDelta>, delta: PageCountDelta): void {
  const sum = bySite.get(delta.siteId) ?? { siteId: delta.siteId, total: 0, live: 0 }
  sum.total += delta.total
  sum.live += delta.live
  bySite.set(delta.siteId, sum)
}

/** Sums count changes per site; sites whose counts did not change are left out. */
export function sumCountsBySite(deltas: PageCountDelta[]): Map<string, PageCountDelta> {
  const bySite = new Map<string, PageCountDelta>()
  for (const delta of deltas) addToSiteSum(bySite, delta)
  for (const [siteId, sum] of bySite) if (sum.total === 0 && sum.live === 0) bySite.delete(siteId)
  return bySite
}

/** A writer's entry not renewed for this long is removed from a counter item by the next update. */
const WRITER_ENTRY_TTL_MS = 60 * 60 * 1000
/** At most this many stale writer entries are removed per counter update. */
const MAX_REMOVALS = 20

interface Lane {
  pending: {
    total: number
    live: number
    waiters: { resolve: () => void; reject: (e: unknown) => void }[]
  } | null
}

/** A counter update with its token: once sent, it is only ever sent again as it was. */
interface CounterUpdate {
  token: string
  total: number
  live: number
}

/** Count changes of a site this writer owes the counter item after a failed update. */
interface Debt {
  /** Sent and failed: it may have been applied; sent again with its token before anything else. */
  unsettled: CounterUpdate | null
  /** Never sent (their update failed before it could be): added to the next update. */
  owed: { total: number; live: number }
}

/** Page-save tokens whose count change this writer has taken on: a retried save is counted once. */
const REMEMBERED_SAVES = 4096

/**
 * The O(1) page counters of each site, updated replay-safely. The counter item holds a map
 * (`attribute`) of writer id → token of that writer's last update; an update ADDs the deltas,
 * sets its writer's entry to a fresh token and is conditional on the entry not holding that token
 * yet, so a replayed update fails its condition instead of counting twice. One writer (this
 * object) has at most one update per site in flight — deltas that arrive meanwhile are summed
 * into the next update — so its single entry covers every update it may still replay. Entries of
 * writers gone for an hour are removed by later updates; the map is created by the first update.
 * A site's counts may be spread over several counter items (`shards`, their sum is the count): a
 * writer always updates the one its id hashes to, so each item's map holds only its writers' entries
 * and a busy site's counter updates spread over that many partitions.
 *
 * An update that fails (throttled past the SDK's retries, its answer lost) is kept, not dropped:
 * the next update of that site from this writer — a retried save counts 0 itself, and still
 * triggers one — first sends it again with its own token (a no-op if it had been applied), so a
 * count change whose update failed is applied exactly once as soon as the site's counters are
 * touched again. Count changes of saves recognised as a delivery of a save already counted here
 * (same page-save token: a retried commitVersion) are taken once.
 */
export class PageCounter {
  /** Random per instance: the writer's key in the counter items. */
  private readonly writer = randomBytes(8).toString('hex')
  /** The counter item of each site this writer updates (its id hashed over the counter shards). */
  private readonly shard: number
  private readonly lanes = new Map<string, Lane>()
  private readonly stale = new Map<string, string[]>()
  private readonly debts = new Map<string, Debt>()
  private readonly taken = new Set<string>()

  constructor(
    private readonly transport: Transport,
    /** Stored name of the writers map on the counter item. */
    private readonly attribute: string,
    /** Counter items per site (the writers of a busy site spread over their partitions). */
    shards: number,
    /** ElectroDB's UpdateItem that adds `total`/`live` to one counter item of the site. */
    private readonly addParams: (
      siteId: string,
      shard: number,
      total: number,
      live: number,
    ) => UpdateCommandInput,
  ) {
    this.shard = Number.parseInt(this.writer.slice(0, 8), 16) % shards
  }

  /**
   * Adds the deltas to each site's counters: one UpdateItem per site that changed, and one per
   * site this writer still owes a failed update to (see above).
   */
  async apply(deltas: PageCountDelta[]): Promise<void> {
    const fresh = deltas.filter((delta) => this.take(delta.saveToken))
    const sums = sumCountsBySite(fresh)
    for (const { siteId } of deltas) {
      if (!sums.has(siteId) && this.debts.has(siteId)) sums.set(siteId, { siteId, total: 0, live: 0 })
    }
    for (const [siteId, sum] of sums) await this.add(siteId, sum)
  }

  /** False when the save with this token was counted (or is owed) already. */
  private take(saveToken: string | undefined): boolean {
    if (saveToken === undefined) return true
    if (this.taken.has(saveToken)) return false
    this.taken.add(saveToken)
    if (this.taken.size > REMEMBERED_SAVES) this.taken.delete(this.taken.values().next().value!)
    return true
  }

  private add(siteId: string, delta: { total: number; live: number }): Promise<void> {
    const running = this.lanes.get(siteId)
    const lane: Lane = running ?? { pending: null }
    lane.pending ??= { total: 0, live: 0, waiters: [] }
    const pending = lane.pending
    pending.total += delta.total
    pending.live += delta.live
    const applied = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }))
    if (!running) {
      this.lanes.set(siteId, lane)
      void this.drain(siteId, lane)
    }
    return applied
  }

  /** Sends the lane's pending sums one update at a time until none are left. */
  private async drain(siteId: string, lane: Lane): Promise<void> {
    while (lane.pending) {
      const batch = lane.pending
      lane.pending = null
      try {
        await this.settle(siteId, batch)
        for (const waiter of batch.waiters) waiter.resolve()
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error)
      }
    }
    this.lanes.delete(siteId)
  }

  /** The site's failed update again (if any), then `batch` with what else is owed. */
  private async settle(siteId: string, batch: { total: number; live: number }): Promise<void> {
    const debt = this.debts.get(siteId) ?? { unsettled: null, owed: { total: 0, live: 0 } }
    const total = debt.owed.total + batch.total
    const live = debt.owed.live + batch.live
    if (debt.unsettled) {
      try {
        await this.send(siteId, debt.unsettled)
      } catch (error) {
        this.keepDebt(siteId, error, { unsettled: debt.unsettled, owed: { total, live } })
        throw error
      }
    }
    this.debts.delete(siteId)
    if (total === 0 && live === 0) return
    const update = {
      token: `${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}`,
      total,
      live,
    }
    try {
      await this.send(siteId, update)
    } catch (error) {
      this.keepDebt(siteId, error, { unsettled: update, owed: { total: 0, live: 0 } })
      throw error
    }
  }

  /** Keeps what a failed update owes when the failure is transient; otherwise it is given up. */
  private keepDebt(siteId: string, error: unknown, debt: Debt): void {
    if (isRetryable(error)) this.debts.set(siteId, debt)
    else this.debts.delete(siteId)
  }

  private async send(siteId: string, { token, total, live }: CounterUpdate): Promise<void> {
    const base = this.addParams(siteId, this.shard, total, live)
    const stale = (this.stale.get(siteId) ?? []).slice(0, MAX_REMOVALS)
    this.stale.delete(siteId)
    const entry = `${P}writers.${P}me`
    const nested = extendUpdate(base, {
      set: [`${entry} = ${V}token`],
      remove: stale.map((_, i) => `${P}writers.${P}stale${i}`),
      condition: `attribute_not_exists(${entry}) OR ${entry} <> ${V}token`,
      names: {
        [`${P}writers`]: this.attribute,
        [`${P}me`]: this.writer,
        ...Object.fromEntries(stale.map((key, i) => [`${P}stale${i}`, key])),
      },
      values: { [`${V}token`]: token },
    })
    nested.ReturnValues = 'ALL_NEW'
    const create = extendUpdate(base, {
      set: [`${P}writers = ${V}writers`],
      condition: `attribute_not_exists(${P}writers)`,
      names: { [`${P}writers`]: this.attribute },
      values: { [`${V}writers`]: { [this.writer]: token } },
    })
    // The map exists, except before a site's first counted page: then the nested SET is rejected
    // and the map is created with our entry. A replay of either fails its condition; a lost race
    // to create the map, or a replayed create, sends the nested update again (same token).
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const output = (await this.transport.send(new UpdateCommand({ ...nested }))) as {
          Attributes?: Record<string, unknown>
        }
        this.noteStale(siteId, output.Attributes?.[this.attribute])
        return
      } catch (error) {
        if (isConditionFailure(error)) return // our token is in place: already applied
        if (!isMissingPath(error)) throw error
      }
      try {
        await this.transport.send(new UpdateCommand({ ...create }))
        return
      } catch (error) {
        if (!isConditionFailure(error)) throw error
      }
    }
    throw new StorageError(`The page counters of site ${JSON.stringify(siteId)} could not be updated`)
  }

  /** Remembers entries of writers that have not updated the site for an hour, to remove next time. */
  private noteStale(siteId: string, writers: unknown): void {
    if (writers === null || typeof writers !== 'object') return
    const cutoff = Date.now() - WRITER_ENTRY_TTL_MS
    const stale = Object.entries(writers as Record<string, unknown>)
      .filter(([key, value]) => {
        if (key === this.writer) return false
        const at = typeof value === 'string' ? Number.parseInt(value.split('.')[0] ?? '', 36) : Number.NaN
        return !(at >= cutoff)
      })
      .map(([key]) => key)
    if (stale.length > 0) this.stale.set(siteId, stale)
  }
}

/** DynamoDB's answer to a SET of a nested path whose map does not exist. */
function isMissingPath(error: unknown): boolean {
  return (
    awsErrorName(error) === 'ValidationException' &&
    /document path provided in the update expression is invalid/i.test((error as Error)?.message ?? '')
  )
}
