import { createHash, randomBytes } from 'node:crypto'
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { ConflictError, StorageError } from '../../errors.js'
import type { Page } from '../../model/schemas.js'
import { awsErrorName, isConditionFailure, isRetryable, isThrottling } from '../plumbing/aws-errors.js'
import { assertItemFits } from '../plumbing/item-size.js'
import { type PageCountDelta, pageCountDelta, sumCountsBySite } from './pages.js'

// Replay-safe writes. When DynamoDB applies an UpdateItem but its answer is lost (a dropped
// connection), the SDK sends the same request again. A save (`ADD revision 1`, UPDATED_OLD) or a
// counter `ADD` replayed that way would apply twice. Each write below therefore carries a random
// token and is conditional on the item not holding that token yet: a replay fails its condition,
// and a condition failure caused by our own token means "already applied".

/** Placeholders of the expressions added here; ElectroDB's own are `#<attribute>` and `:<attribute>_u0`. */
const P = '#rs_'
const V = ':rs_'

/** Characters of a page-save token before its liveness flag: 60 random bits, kept short (item size). */
const TOKEN_CHARS = 10

export function newWriteToken(): string {
  return randomBytes(8).toString('base64url').slice(0, TOKEN_CHARS)
}

/** Additions to an UpdateItem built by ElectroDB's `.params()`. */
interface UpdateAdditions {
  set?: string[]
  remove?: string[]
  /** ANDed with the request's own condition. */
  condition?: string
  names?: Record<string, string>
  values?: Record<string, unknown>
}

const CLAUSE = /(?<![#:\w])(SET|REMOVE|ADD|DELETE)\s+/g

/**
 * `params` with more SET/REMOVE actions and a further condition. DynamoDB allows each clause once,
 * so the actions join ElectroDB's clauses rather than follow them; key and GSI key maintenance stay
 * ElectroDB's.
 */
export function extendUpdate(params: UpdateCommandInput, add: UpdateAdditions): UpdateCommandInput {
  const clauses = new Map<string, string[]>()
  const expression = params.UpdateExpression ?? ''
  const starts = [...expression.matchAll(CLAUSE)]
  if (expression.trim() !== '' && starts[0]?.index !== expression.search(/\S/)) {
    throw new StorageError(`Unexpected UpdateExpression: ${expression}`)
  }
  starts.forEach((match, i) => {
    const body = expression.slice(match.index + match[0].length, starts[i + 1]?.index).trim()
    clauses.set(match[1]!, [...(clauses.get(match[1]!) ?? []), body])
  })
  if (add.set?.length) clauses.set('SET', [...add.set, ...(clauses.get('SET') ?? [])])
  if (add.remove?.length) clauses.set('REMOVE', [...add.remove, ...(clauses.get('REMOVE') ?? [])])
  const names = { ...params.ExpressionAttributeNames }
  for (const [name, attribute] of Object.entries(add.names ?? {})) {
    if (name in names) throw new StorageError(`Expression name ${name} is taken`)
    names[name] = attribute
  }
  const values = { ...params.ExpressionAttributeValues }
  for (const [name, value] of Object.entries(add.values ?? {})) {
    if (name in values) throw new StorageError(`Expression value ${name} is taken`)
    values[name] = value
  }
  const condition =
    add.condition && params.ConditionExpression
      ? `(${add.condition}) AND (${params.ConditionExpression})`
      : (add.condition ?? params.ConditionExpression)
  return {
    ...params,
    UpdateExpression: [...clauses].map(([clause, bodies]) => `${clause} ${bodies.join(', ')}`).join(' '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    ...(condition ? { ConditionExpression: condition } : {}),
  }
}

/** Stored attribute names a page save reads and writes, per layout. */
export interface PageWriteAttributes {
  firstSeen: string
  isTombstone: string
  revision: string
  /** Token of the last save applied to the item. */
  writeToken: string
  /** Tokens of the saves before it, newest first (a shift register, `RECENT_SAVES` - 1 long). */
  earlierTokens: string[]
  /** `firstSeen` before that save; null when it created the page. */
  priorFirstSeen: string
  /** `isTombstone` before that save (false when it was absent). */
  priorIsTombstone: string
}

/** How many recent saves of a page are recognised when delivered again. */
export const RECENT_SAVES = 4

/** Stored names of the earlier-token slots: `<writeToken><separator>1` ... */
export function earlierTokenNames(writeToken: string, separator: string): string[] {
  return Array.from({ length: RECENT_SAVES - 1 }, (_, i) => `${writeToken}${separator}${i + 1}`)
}

/** What a save found: the revision it wrote and the page as it was before (null: new). */
export interface PageWriteOutcome {
  revision: number
  before: { isTombstone: boolean } | null
  /** The save's token: the same for every delivery of it. */
  token: string
  /** The attributes the save updated, as they were before it (UPDATED_OLD), when it was applied now. */
  old?: Record<string, unknown>
}

/** A page save built, not yet sent. */
export interface PreparedPageWrite {
  input: UpdateCommandInput
  token: string
  send(): Promise<PageWriteOutcome>
}

/** A slot that never held a token. */
const NO_TOKEN = '-'

/**
 * A token naming one logical save, the same for every call with the same `parts` (a retried
 * commitVersion with its `expectedRevision`), so that a retry is recognised as that save.
 */
export function tokenFor(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, TOKEN_CHARS)
}

/**
 * Builds a page save from one built by ElectroDB (`ADD revision 1`, optional `expectedRevision`
 * condition) so that a delivery of it again is not applied twice. It stores its token, shifts the
 * tokens of the `RECENT_SAVES - 1` saves before it down the earlier-token slots, stores the
 * pre-image the counters need (`if_not_exists` operands read the item as it was before the
 * update), and is conditional on none of the slots holding its token. Each token ends in the
 * page's liveness after that save (`l` / `t`), which is the pre-image of the save after it.
 *
 * When the condition fails, the item at that moment (`ReturnValuesOnConditionCheckFailure`, or a
 * consistent GetItem where the engine does not return it) tells whether our token is there: then
 * the save had been applied, k saves ago, and answers as its first delivery did (revision = the
 * stored one - k); otherwise it is a ConflictError.
 */
export function preparePageWrite(
  transport: Transport,
  params: UpdateCommandInput,
  attributes: PageWriteAttributes,
  page: { siteId: string; pageId: string; isTombstone: boolean; expectedRevision: number | undefined },
  baseToken: string = newWriteToken(),
): PreparedPageWrite {
  const token = `${baseToken}${page.isTombstone ? 't' : 'l'}`
  const slots = [attributes.writeToken, ...attributes.earlierTokens]
  const slot = (i: number) => `${P}slot${i}`
  const input = extendUpdate(params, {
    set: [
      `${slot(0)} = ${V}token`,
      ...slots.slice(1).map((_, i) => `${slot(i + 1)} = if_not_exists(${slot(i)}, ${V}none)`),
      `${P}prior_seen = if_not_exists(${P}seen, ${V}null)`,
      `${P}prior_tomb = if_not_exists(${P}tomb, ${V}false)`,
    ],
    condition: `NOT (${slots.map((_, i) => `${slot(i)} = ${V}token`).join(' OR ')})`,
    names: {
      ...Object.fromEntries(slots.map((name, i) => [slot(i), name])),
      [`${P}prior_seen`]: attributes.priorFirstSeen,
      [`${P}prior_tomb`]: attributes.priorIsTombstone,
      [`${P}seen`]: attributes.firstSeen,
      [`${P}tomb`]: attributes.isTombstone,
    },
    values: { [`${V}token`]: token, [`${V}none`]: NO_TOKEN, [`${V}null`]: null, [`${V}false`]: false },
  })
  input.ReturnValues = 'UPDATED_OLD'
  input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD'
  return { input, token, send: () => sendPageWrite(transport, input, attributes, page, token) }
}

async function sendPageWrite(
  transport: Transport,
  input: UpdateCommandInput,
  attributes: PageWriteAttributes,
  page: { siteId: string; pageId: string; expectedRevision: number | undefined },
  token: string,
): Promise<PageWriteOutcome> {
  try {
    const output = (await transport.send(new UpdateCommand({ ...input }))) as {
      Attributes?: Record<string, unknown>
    }
    const old = output.Attributes ?? {}
    return {
      revision: Number(old[attributes.revision] ?? 0) + 1,
      before:
        old[attributes.firstSeen] === undefined
          ? null
          : { isTombstone: old[attributes.isTombstone] === true },
      token,
      old,
    }
  } catch (error) {
    if (!isConditionFailure(error)) throw error
    const returned = (error as { Item?: Record<string, unknown> }).Item
    const stored = returned ? plainAttributes(returned) : await readBack(transport, input, attributes)
    const outcome = stored && outcomeOfStoredSave(stored, attributes, token)
    if (outcome) return outcome
    const which = `Page ${JSON.stringify(page.pageId)} of site ${JSON.stringify(page.siteId)}`
    throw new ConflictError(
      page.expectedRevision === undefined
        ? `${which} was saved, then overwritten by a concurrent save before the answer arrived`
        : `${which} is not at revision ${page.expectedRevision}`,
      { cause: error },
    )
  }
}

/** Whether the save with this token left the page a tombstone (tokens of 0.1 have no flag: live). */
function endsTombstoned(token: string): boolean {
  return token.length === TOKEN_CHARS + 1 && token.endsWith('t')
}

/**
 * The answer of the save with `token` when the stored item shows it applied: it is the newest
 * save (its revision and pre-image are stored) or `k` saves older (revision - k; its pre-image is
 * the liveness the save before it ended in).
 */
function outcomeOfStoredSave(
  stored: Record<string, unknown>,
  attributes: PageWriteAttributes,
  token: string,
): PageWriteOutcome | undefined {
  const slots = [attributes.writeToken, ...attributes.earlierTokens].map((name) => stored[name])
  const k = slots.indexOf(token)
  if (k < 0) return undefined
  const storedRevision = Number(stored[attributes.revision] ?? 0)
  if (k === 0) {
    return {
      revision: storedRevision,
      before:
        stored[attributes.priorFirstSeen] == null
          ? null
          : { isTombstone: stored[attributes.priorIsTombstone] === true },
      token,
    }
  }
  const revision = storedRevision - k
  const previous = slots[k + 1]
  const before =
    typeof previous === 'string' && previous !== NO_TOKEN
      ? { isTombstone: endsTombstoned(previous) }
      : revision === 1
        ? null
        : { isTombstone: false }
  return { revision, before, token }
}

/** How a page save is named and recognised. */
export interface PageWriteOptions {
  /** Path of the page in the caller's input, for a ValidationError (default `page`). */
  label?: string
  /** The save's token; default a random one (see `tokenFor`). */
  token?: string
}

/** A layout's page save, checked against the item limit, not yet sent. */
export interface PreparedSave {
  pageId: string
  /** The saved page and the count changes to apply: its own, and any of an earlier save it found. */
  send(): Promise<{ page: Page; deltas: PageCountDelta[] }>
}

/** Saves whose answer was lost past every retry: for each page, their tokens (a few, newest last). */
export class UncertainSaves {
  private readonly byPage = new Map<string, string[]>()

  note(key: string, token: string): void {
    const tokens = [...(this.byPage.get(key) ?? []), token].slice(-(RECENT_SAVES - 1))
    this.byPage.delete(key) // re-inserted last: the oldest pages are dropped first
    this.byPage.set(key, tokens)
    if (this.byPage.size > REMEMBERED_UNCERTAIN) this.byPage.delete(this.byPage.keys().next().value!)
  }

  take(key: string): string[] {
    const tokens = this.byPage.get(key) ?? []
    this.byPage.delete(key)
    return tokens
  }
}

/** Pages whose uncertain saves an instance remembers. */
const REMEMBERED_UNCERTAIN = 4096

/**
 * A layout's page save: replay-safe (`preparePageWrite`), refused with a ValidationError before
 * any request when the item would pass DynamoDB's item limit, answering the saved page and its
 * count change. A save of this instance whose answer was lost past the SDK's retries (so it was
 * never counted) is looked for in the earlier-token slots the next save of the page finds: if it
 * had been applied, its count change is returned too, so that the count stays right.
 */
export function checkedPageWrite(
  transport: Transport,
  params: UpdateCommandInput,
  attributes: PageWriteAttributes,
  save: { page: Page; expectedRevision: number | undefined; uncertain: UncertainSaves },
  options?: PageWriteOptions,
): PreparedSave {
  const { page, expectedRevision, uncertain } = save
  const { siteId, pageId, isTombstone } = page
  const write = preparePageWrite(
    transport,
    params,
    attributes,
    { siteId, pageId, isTombstone, expectedRevision },
    options?.token,
  )
  const { revision: _ignored, ...fields } = page
  assertItemFits(write.input, fields, options?.label ?? 'page')
  const key = JSON.stringify([siteId, pageId])
  return {
    pageId,
    async send() {
      let outcome: PageWriteOutcome
      try {
        outcome = await write.send()
      } catch (error) {
        if (isRetryable(error) && !isThrottling(error)) uncertain.note(key, write.token)
        throw error
      }
      const deltas = [pageCountDelta(siteId, outcome.before, page, outcome.token)]
      // Only a save applied now has the earlier slots as they were (UPDATED_OLD).
      for (const token of outcome.old ? uncertain.take(key) : []) {
        const lost =
          token !== outcome.token && outcome.old && outcomeOfStoredSave(outcome.old, attributes, token)
        if (lost) {
          deltas.unshift(pageCountDelta(siteId, lost.before, { isTombstone: endsTombstoned(token) }, token))
        }
      }
      return { page: { ...page, revision: outcome.revision }, deltas }
    },
  }
}

/** The bookkeeping attributes of the item, read consistently (engines without ALL_OLD on failure). */
async function readBack(
  transport: Transport,
  input: UpdateCommandInput,
  attributes: PageWriteAttributes,
): Promise<Record<string, unknown> | undefined> {
  const wanted = [
    attributes.writeToken,
    ...attributes.earlierTokens,
    attributes.revision,
    attributes.priorFirstSeen,
    attributes.priorIsTombstone,
  ]
  const output = (await transport.send(
    new GetCommand({
      TableName: input.TableName,
      Key: input.Key,
      ConsistentRead: true,
      ProjectionExpression: wanted.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(wanted.map((name, i) => [`#a${i}`, name])),
    }),
  )) as { Item?: Record<string, unknown> }
  return output.Item
}

/**
 * The scalar attributes of an item returned with a ConditionalCheckFailedException, which the
 * document client leaves in the wire format (`{ S: ... }`, `{ N: ... }`, `{ BOOL: ... }`, `{ NULL: true }`).
 */
function plainAttributes(item: Record<string, unknown>): Record<string, unknown> {
  const plain = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value
    const wire = value as { S?: string; N?: string; BOOL?: boolean; NULL?: boolean }
    if (wire.S !== undefined) return wire.S
    if (wire.N !== undefined) return Number(wire.N)
    if (wire.BOOL !== undefined) return wire.BOOL
    if (wire.NULL) return null
    return value
  }
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, plain(value)]))
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
  private readonly lanes = new Map<string, Lane>()
  private readonly stale = new Map<string, string[]>()
  private readonly debts = new Map<string, Debt>()
  private readonly taken = new Set<string>()

  constructor(
    private readonly transport: Transport,
    /** Stored name of the writers map on the counter item. */
    private readonly attribute: string,
    /** ElectroDB's UpdateItem that adds `total`/`live` to the site's counters. */
    private readonly addParams: (siteId: string, total: number, live: number) => UpdateCommandInput,
  ) {}

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
    const base = this.addParams(siteId, total, live)
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
