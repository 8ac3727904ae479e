import { QueryCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import { z } from 'zod'
import type { Transport } from '../../engine/transport.js'
import type { Page } from '../../model/schemas.js'
import { decodeCursor, encodeCursor, type PagedQuery } from '../plumbing/listing.js'
import { extendUpdate } from '../plumbing/update-expression.js'

// The change feed (`listPageChanges`): a sparse index whose sort key, the change marker
// `<changedAt ISO>#<pageId>`, is written by the very UpdateItem that saves the page, and only when
// that save is a change (it creates the page or changes contentHash, currentVersionId or
// isTombstone). An UpdateItem cannot choose a value by comparing old and new, so the save is sent
// as one of two conditional variants: "unchanged" (condition: the stored item already holds these
// three values and a marker; leaves the marker) or "changed" (sets the marker). The variant likely
// to succeed goes first; the other is sent only when its condition fails (see `feedAttempts`).

/** A page as the feed delivers it: its state when read, and when its latest change was made. */
export interface PageChange {
  page: Page
  changedAt: Date
}

/** Stored names a page save compares and the marker it sets, per layout. */
export interface ChangeFeedAttributes {
  firstSeen: string
  contentHash: string
  currentVersionId: string
  isTombstone: string
  /** The index's sort key: the change marker. */
  marker: string
  /** The index's partition, when the layout needs an attribute of its own for it (single-table). */
  partition?: { name: string; value: (siteId: string) => string }
}

/** What a layout gives the feed: the attributes, and the Query of markers in [from, to]. */
export interface ChangeFeedAdapter {
  attributes: ChangeFeedAttributes
  query(siteId: string, from: string, to: string, limit: number): PagedQuery<Page>
}

const N = '#cf_'
const V = ':cf_'

function markerOf(changedAt: Date, pageId: string): string {
  return `${changedAt.toISOString()}#${pageId}`
}

/** The stored item already is the page's state (and carries a marker): the save would not be a change. */
function sameStateCondition(page: Page): { condition: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {}
  const equal = (name: string, value: string | null) => {
    if (value === null) return `attribute_not_exists(${N}${name})`
    values[`${V}${name}`] = value
    return `${N}${name} = ${V}${name}`
  }
  const tomb = page.isTombstone
    ? `${N}tomb = ${V}true`
    : `(attribute_not_exists(${N}tomb) OR ${N}tomb = ${V}false)`
  values[page.isTombstone ? `${V}true` : `${V}false`] = page.isTombstone
  const condition = [
    `attribute_exists(${N}seen)`,
    `attribute_exists(${N}marker)`,
    equal('hash', page.contentHash ?? null),
    equal('version', page.currentVersionId ?? null),
    tomb,
  ].join(' AND ')
  return { condition, values }
}

function stateNames(attributes: ChangeFeedAttributes): Record<string, string> {
  return {
    [`${N}seen`]: attributes.firstSeen,
    [`${N}marker`]: attributes.marker,
    [`${N}hash`]: attributes.contentHash,
    [`${N}version`]: attributes.currentVersionId,
    [`${N}tomb`]: attributes.isTombstone,
  }
}

/** The save as a change: sets the marker (and the index partition) to now. */
function changedVariant(
  input: UpdateCommandInput,
  attributes: ChangeFeedAttributes,
  page: Page,
  changedAt: Date,
  onlyIfDifferent: boolean,
): UpdateCommandInput {
  const same = sameStateCondition(page)
  const { partition } = attributes
  return extendUpdate(input, {
    set: [`${N}marker = ${V}marker`, ...(partition ? [`${N}part = ${V}part`] : [])],
    ...(onlyIfDifferent ? { condition: `NOT (${same.condition})` } : {}),
    names: {
      ...(onlyIfDifferent ? stateNames(attributes) : { [`${N}marker`]: attributes.marker }),
      ...(partition ? { [`${N}part`]: partition.name } : {}),
    },
    values: {
      ...(onlyIfDifferent ? same.values : {}),
      [`${V}marker`]: markerOf(changedAt, page.pageId),
      ...(partition ? { [`${V}part`]: partition.value(page.siteId) } : {}),
    },
  })
}

/** The save as no change: leaves the marker, conditional on the state being the stored one. */
function unchangedVariant(
  input: UpdateCommandInput,
  attributes: ChangeFeedAttributes,
  page: Page,
): UpdateCommandInput {
  const same = sameStateCondition(page)
  return extendUpdate(input, {
    condition: same.condition,
    names: stateNames(attributes),
    values: same.values,
  })
}

/**
 * The UpdateItems a page save tries in turn, each built when it is sent (so the marker is the time
 * of sending); the next one only after the previous failed its condition. `expectChange` picks the
 * order: changed first (only if different), then unchanged, then changed unconditionally on the
 * state — or unchanged first, then changed. A save whose guess is right costs one request; a wrong
 * guess one more. The last attempt leaves the state alone in its condition, so its failure means a
 * replay or a stale revision, told apart by the caller as for any page save.
 */
export function feedAttempts(
  input: UpdateCommandInput,
  attributes: ChangeFeedAttributes,
  page: Page,
  expectChange: boolean,
): (() => UpdateCommandInput)[] {
  const changed = () => changedVariant(input, attributes, page, new Date(), false)
  const unchanged = () => unchangedVariant(input, attributes, page)
  return expectChange
    ? [() => changedVariant(input, attributes, page, new Date(), true), unchanged, changed]
    : [unchanged, changed]
}

/**
 * The forms a batch statement is built from, for a save applied elsewhere (PartiQL) against the
 * item as read: exactly one holds on any stored state — "changed" when the state differs (or the
 * page is new), "unchanged" when it is the stored one.
 */
export function statementForms(
  input: UpdateCommandInput,
  attributes: ChangeFeedAttributes,
  page: Page,
): UpdateCommandInput[] {
  return [
    changedVariant(input, attributes, page, new Date(), true),
    unchangedVariant(input, attributes, page),
  ]
}

/** The largest form of the save (for the item-size check before any request). */
export function largestAttempt(
  input: UpdateCommandInput,
  attributes: ChangeFeedAttributes,
  page: Page,
): UpdateCommandInput {
  return changedVariant(input, attributes, page, new Date(), true)
}

/**
 * Whether a save is likely a change, when the caller does not say: a page whose `revision` is 0
 * was not read from the store, so it is most likely new; a page read back and saved again is most
 * likely a recrawl of unchanged content.
 */
export function likelyChange(page: Page): boolean {
  return page.revision === 0
}

const FeedPositionSchema = z.strictObject({ after: z.string() })

/** Markers start with a 24-character ISO time; this sorts after every marker of that millisecond. */
const AFTER_MILLISECOND = '$'
/** The smallest string greater than a position: with BETWEEN, an exclusive lower bound. */
const NEXT = '\u0000'

export interface ListChangesOptions {
  cursor?: string | null | undefined
  limit?: number | undefined
}

/** A call of the feed, each change with the cursor that resumes right after it. */
export interface ChangesPage {
  items: { change: PageChange; cursor: string }[]
  cursor: string
}

/**
 * One call of the feed: one Query of the markers after the cursor's position and made before
 * now − `delaySeconds`, oldest first. The new position is the last marker read when the page was
 * full, else now − delay (caught up to there), never before the old one.
 */
export async function listChanges(
  transport: Transport,
  feed: ChangeFeedAdapter,
  siteId: string,
  options: ListChangesOptions,
  delaySeconds: number,
): Promise<ChangesPage> {
  const scope = ['listPageChanges', siteId]
  const position = decodeCursor(options.cursor, FeedPositionSchema, scope)?.after ?? ''
  const limit = options.limit ?? 100
  const until = `${new Date(Date.now() - delaySeconds * 1000).toISOString()}${AFTER_MILLISECOND}`
  if (until <= position) return { items: [], cursor: encodeCursor({ after: position }, scope) }
  const query = feed.query(siteId, `${position}${NEXT}`, until, limit)
  const output = (await transport.send(new QueryCommand({ ...query.input, Limit: limit }))) as {
    Items?: Record<string, unknown>[]
    LastEvaluatedKey?: Record<string, unknown>
  }
  const raws = output.Items ?? []
  const seen = new Set<string>()
  const items: ChangesPage['items'] = []
  let last = position
  for (const raw of raws) {
    const marker = raw[feed.attributes.marker]
    if (typeof marker !== 'string') continue
    last = marker
    const page = await query.read(raw)
    if (!page || seen.has(page.pageId)) continue
    seen.add(page.pageId)
    items.push({
      change: { page, changedAt: new Date(marker.slice(0, 24)) },
      cursor: encodeCursor({ after: marker }, scope),
    })
  }
  const full = output.LastEvaluatedKey !== undefined || raws.length >= limit
  const after = full ? last : until
  // Positions are strings (markers): never move back, even if this reader's clock did.
  const [newest] = [after, position].sort().reverse()
  return { items, cursor: encodeCursor({ after: newest! }, scope) }
}

export interface FollowOptions {
  cursor?: string | null | undefined
  signal?: AbortSignal | undefined
  pollMs?: number | undefined
  limit?: number | undefined
}

/**
 * Follows the feed: yields each change with the cursor to keep once it is processed, waits
 * `pollMs` (default 1,000) when caught up, ends (without an error) when `signal` aborts.
 */
export async function* followChanges(
  list: (cursor: string | null) => Promise<ChangesPage>,
  options: FollowOptions,
): AsyncGenerator<{ change: PageChange; cursor: string }> {
  let cursor = options.cursor ?? null
  const { signal } = options
  while (!signal?.aborted) {
    let page: ChangesPage
    try {
      page = await list(cursor)
    } catch (error) {
      // Aborted while asking: a stop, not a failure (the cursor handed out last is still right).
      if (signal?.aborted) return
      throw error
    }
    const { items, cursor: next } = page
    if (items.length === 0) {
      cursor = next
      await sleep(options.pollMs ?? 1000, signal)
      continue
    }
    for (const [i, item] of items.entries()) {
      // The page's own cursor with its last change: it may reach past it (caught up to now − delay).
      yield { change: item.change, cursor: i === items.length - 1 ? next : item.cursor }
      if (signal?.aborted) return
    }
    cursor = next
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
