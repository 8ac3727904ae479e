import { randomBytes } from 'node:crypto'
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { ConflictError, StorageError } from '../../errors.js'
import { awsErrorName, isConditionFailure } from './aws-errors.js'
import { type PageCountDelta, sumCountsBySite } from './pages.js'

// Replay-safe writes. When DynamoDB applies an UpdateItem but its answer is lost (a dropped
// connection), the SDK sends the same request again. A save (`ADD revision 1`, UPDATED_OLD) or a
// counter `ADD` replayed that way would apply twice. Each write below therefore carries a random
// token and is conditional on the item not holding that token yet: a replay fails its condition,
// and a condition failure caused by our own token means "already applied".

/** Placeholders of the expressions added here; ElectroDB's own are `#<attribute>` and `:<attribute>_u0`. */
const P = '#rs_'
const V = ':rs_'

export function newWriteToken(): string {
  return randomBytes(12).toString('base64url')
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
  /** `firstSeen` before that save; null when it created the page. */
  priorFirstSeen: string
  /** `isTombstone` before that save (false when it was absent). */
  priorIsTombstone: string
}

/** What a save found: the revision it wrote and the page as it was before (null: new). */
export interface PageWriteOutcome {
  revision: number
  before: { isTombstone: boolean } | null
}

/**
 * Sends a page save built by ElectroDB (`ADD revision 1`, optional `expectedRevision` condition)
 * so that a replay of it is not applied twice: it also stores its token and the pre-image the
 * counters need (`if_not_exists` operands read the item as it was before the update), and is
 * conditional on the item not holding its token. When the condition fails, the item at that
 * moment (`ReturnValuesOnConditionCheckFailure`, or a consistent GetItem where the engine does not
 * return it) tells whether our token is there: then the save had been applied, and its outcome is
 * read from the stored item; otherwise it is a ConflictError.
 */
export async function writePageOnce(
  transport: Transport,
  params: UpdateCommandInput,
  attributes: PageWriteAttributes,
  page: { siteId: string; pageId: string; expectedRevision: number | undefined },
): Promise<PageWriteOutcome> {
  const token = newWriteToken()
  const input = extendUpdate(params, {
    set: [
      `${P}token = ${V}token`,
      `${P}prior_seen = if_not_exists(${P}seen, ${V}null)`,
      `${P}prior_tomb = if_not_exists(${P}tomb, ${V}false)`,
    ],
    condition: `attribute_not_exists(${P}token) OR ${P}token <> ${V}token`,
    names: {
      [`${P}token`]: attributes.writeToken,
      [`${P}prior_seen`]: attributes.priorFirstSeen,
      [`${P}prior_tomb`]: attributes.priorIsTombstone,
      [`${P}seen`]: attributes.firstSeen,
      [`${P}tomb`]: attributes.isTombstone,
    },
    values: { [`${V}token`]: token, [`${V}null`]: null, [`${V}false`]: false },
  })
  input.ReturnValues = 'UPDATED_OLD'
  input.ReturnValuesOnConditionCheckFailure = 'ALL_OLD'
  try {
    const output = (await transport.send(new UpdateCommand(input))) as {
      Attributes?: Record<string, unknown>
    }
    const old = output.Attributes ?? {}
    return {
      revision: Number(old[attributes.revision] ?? 0) + 1,
      before:
        old[attributes.firstSeen] === undefined
          ? null
          : { isTombstone: old[attributes.isTombstone] === true },
    }
  } catch (error) {
    if (!isConditionFailure(error)) throw error
    const returned = (error as { Item?: Record<string, unknown> }).Item
    const stored = returned ? plainAttributes(returned) : await readBack(transport, input, attributes)
    if (stored?.[attributes.writeToken] === token) {
      return {
        revision: Number(stored[attributes.revision] ?? 0),
        before:
          stored[attributes.priorFirstSeen] == null
            ? null
            : { isTombstone: stored[attributes.priorIsTombstone] === true },
      }
    }
    const which = `Page ${JSON.stringify(page.pageId)} of site ${JSON.stringify(page.siteId)}`
    throw new ConflictError(
      page.expectedRevision === undefined
        ? `${which} was saved, then overwritten by a concurrent save before the answer arrived`
        : `${which} is not at revision ${page.expectedRevision}`,
      { cause: error },
    )
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

/**
 * The O(1) page counters of each site, updated replay-safely. The counter item holds a map
 * (`attribute`) of writer id → token of that writer's last update; an update ADDs the deltas,
 * sets its writer's entry to a fresh token and is conditional on the entry not holding that token
 * yet, so a replayed update fails its condition instead of counting twice. One writer (this
 * object) has at most one update per site in flight — deltas that arrive meanwhile are summed
 * into the next update — so its single entry covers every update it may still replay. Entries of
 * writers gone for an hour are removed by later updates; the map is created by the first update.
 */
export class PageCounter {
  /** Random per instance: the writer's key in the counter items. */
  private readonly writer = randomBytes(8).toString('hex')
  private readonly lanes = new Map<string, Lane>()
  private readonly stale = new Map<string, string[]>()

  constructor(
    private readonly transport: Transport,
    /** Stored name of the writers map on the counter item. */
    private readonly attribute: string,
    /** ElectroDB's UpdateItem that adds `total`/`live` to the site's counters. */
    private readonly addParams: (siteId: string, total: number, live: number) => UpdateCommandInput,
  ) {}

  /** Adds the deltas to each site's counters: one UpdateItem per site that changed. */
  async apply(deltas: PageCountDelta[]): Promise<void> {
    for (const [siteId, sum] of sumCountsBySite(deltas)) await this.add(siteId, sum)
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
        if (batch.total !== 0 || batch.live !== 0) await this.send(siteId, batch.total, batch.live)
        for (const waiter of batch.waiters) waiter.resolve()
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error)
      }
    }
    this.lanes.delete(siteId)
  }

  private async send(siteId: string, total: number, live: number): Promise<void> {
    const token = `${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}`
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
