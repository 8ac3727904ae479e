/**
 * What one backend instance remembers between its claims, so that claims neither fight nor walk
 * empty shards. Nothing here decides who gets an item (the conditional take does): it only orders
 * the candidates a claim tries and the shards it reads.
 *
 * - Spread: a worker that lost a race for an item takes from a random place among the first
 *   `spread` claimable candidates instead of the head, so concurrent claimers pick different
 *   items. A lost race doubles the run's spread (at least 16, up to `MAX_SPREAD`); it halves after
 *   5 s without one; alone, a worker's spread is 1 and it claims in strict queue order.
 * - Empty shards: a shard whose claim Query found nothing claimable is tried after the others for
 *   a while (1 s, doubling up to 30 s while it stays empty); when the others yield too little it
 *   is still read, unless found empty less than a second ago: so an empty claim has looked at
 *   every shard within the last second (and a drained run's idle claims cost nothing).
 * - Domains: a domain whose politeness write failed (not due) is passed over without a write for
 *   half the interval; one this instance claimed, for the interval.
 */
export const MAX_SPREAD = 64
const FIRST_SPREAD = 16
/** Without a lost race for this long, the spread halves. */
const CALM_MS = 5_000
const MAX_WINDOW = 100
const EMPTY_FIRST_MS = 1_000
const EMPTY_MAX_MS = 30_000
const DOMAIN_MEMO_LIMIT = 10_000

interface EmptyMark {
  until: number
  span: number
  checkedAt: number
}

/** A shard found empty this recently is not read again, even by a claim that found too little. */
const RECHECK_MS = 1_000

export class ClaimPlan {
  private readonly spreads = new Map<string, number>()
  private readonly lastLoss = new Map<string, number>()
  private readonly empty = new Map<string, EmptyMark>()
  private readonly domains = new Map<string, number>()

  /** How many items a claim Query reads: the claim's limit, plus room to spread over. */
  window(runId: string, limit: number): number {
    return Math.min(MAX_WINDOW, Math.max(2 * limit, limit + this.spread(runId)))
  }

  spread(runId: string): number {
    return this.spreads.get(runId) ?? 1
  }

  lostRace(runId: string, now = Date.now()): void {
    this.spreads.set(runId, Math.min(MAX_SPREAD, Math.max(FIRST_SPREAD, this.spread(runId) * 2)))
    this.lastLoss.set(runId, now)
  }

  /** A claim without a lost race: the spread halves once no race was lost for `CALM_MS`. */
  claimedWithoutRace(runId: string, now = Date.now()): void {
    if (now - (this.lastLoss.get(runId) ?? 0) < CALM_MS) return
    const spread = Math.floor(this.spread(runId) / 2)
    this.lastLoss.set(runId, now)
    if (spread <= 1) this.spreads.delete(runId)
    else this.spreads.set(runId, spread)
  }

  /**
   * The candidates in the order they are tried: rotated by a random offset among the first
   * `spread` (no rotation at spread 1: the head first).
   */
  arrange<T>(runId: string, candidates: T[], random = Math.random): T[] {
    const reach = Math.min(this.spread(runId), candidates.length)
    if (reach <= 1) return candidates
    const offset = Math.floor(random() * reach)
    return [...candidates.slice(offset), ...candidates.slice(0, offset)]
  }

  /** Shards from the home shard upwards, those recently found empty last. */
  shardOrder(runId: string, shards: number, home: number, now = Date.now()): number[] {
    const order = Array.from({ length: shards }, (_, i) => (home + i) % shards)
    const marked = (shard: number) => (this.empty.get(`${runId}\u0000${shard}`)?.until ?? 0) > now
    return [...order.filter((s) => !marked(s)), ...order.filter(marked)]
  }

  sawShard(runId: string, shard: number, claimable: boolean, now = Date.now()): void {
    const key = `${runId}\u0000${shard}`
    if (claimable) {
      this.empty.delete(key)
      return
    }
    const span = Math.min(EMPTY_MAX_MS, (this.empty.get(key)?.span ?? EMPTY_FIRST_MS / 2) * 2)
    this.empty.set(key, { until: now + span, span, checkedAt: now })
  }

  /** Found empty less than `RECHECK_MS` ago: a claim skips it (an empty claim costs no request then). */
  justFoundEmpty(runId: string, shard: number, now = Date.now()): boolean {
    const mark = this.empty.get(`${runId}\u0000${shard}`)
    return mark !== undefined && now - mark.checkedAt < RECHECK_MS
  }

  /** This instance writes items of the run: its shards may hold some now. */
  forgetEmpty(runId: string): void {
    for (const key of this.empty.keys()) if (key.startsWith(`${runId}\u0000`)) this.empty.delete(key)
  }

  /** Whether this instance knows the domain is not due at `now`. */
  domainHeld(runId: string, domain: string, now = Date.now()): boolean {
    const until = this.domains.get(`${runId}\u0000${domain}`)
    return until !== undefined && until > now
  }

  holdDomain(runId: string, domain: string, until: number): void {
    if (this.domains.size >= DOMAIN_MEMO_LIMIT) {
      const now = Date.now()
      for (const [key, at] of this.domains) if (at <= now) this.domains.delete(key)
      if (this.domains.size >= DOMAIN_MEMO_LIMIT) this.domains.clear()
    }
    this.domains.set(`${runId}\u0000${domain}`, until)
  }
}
