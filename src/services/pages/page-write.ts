import { createHash, randomBytes } from 'node:crypto'
import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { ConflictError } from '../../errors.js'
import type { Page } from '../../model/schemas.js'
import { isConditionFailure, isRetryable, isThrottling } from '../plumbing/aws-errors.js'
import { assertItemFits, MAX_ITEM_BYTES, valueBytes } from '../plumbing/item-size.js'
import { extendUpdate, ADDED_NAME as P, ADDED_VALUE as V } from '../plumbing/update-expression.js'
import {
  type ChangeFeedAttributes,
  feedAttempts,
  largestAttempt,
  likelyChange,
  statementForms,
} from './page-changes.js'
import { type PageCountDelta, pageCountDelta } from './page-counter.js'

// Replay-safe page saves. When DynamoDB applies an UpdateItem but its answer is lost (a dropped
// connection), the SDK sends the same request again. A save (`ADD revision 1`, UPDATED_OLD)
// replayed that way would apply twice. Each save therefore carries a random token and is
// conditional on the item not holding that token yet: a replay fails its condition, and a
// condition failure caused by our own token means "already applied".

/** Characters of a page-save token before its liveness flag: 60 random bits, kept short (item size). */
const TOKEN_CHARS = 10

export function newWriteToken(): string {
  return randomBytes(8).toString('base64url').slice(0, TOKEN_CHARS)
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
  /** The change feed's attributes: a save that is a change sets its marker (see `page-changes.ts`). */
  feed?: ChangeFeedAttributes
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
  /** The largest of the UpdateItems the save may send (for the size check). */
  input: UpdateCommandInput
  /** What a batch statement may be built from: one form, or the feed's changed and unchanged ones. */
  forms: UpdateCommandInput[]
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
  feed?: { page: Page; expectChange: boolean },
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
  const changeFeed = attributes.feed && feed ? { ...feed, attributes: attributes.feed } : undefined
  const attempts = changeFeed
    ? feedAttempts(input, changeFeed.attributes, changeFeed.page, changeFeed.expectChange)
    : [() => input]
  return {
    // Built when asked (the item-size check of a page that could pass the limit).
    get input() {
      return changeFeed ? largestAttempt(input, changeFeed.attributes, changeFeed.page) : input
    },
    // Built when asked (only the bulk path's statements read them): two more UpdateItems per save.
    get forms() {
      return changeFeed ? statementForms(input, changeFeed.attributes, changeFeed.page) : [input]
    },
    token,
    send: () => sendPageWrite(transport, attempts, attributes, page, token),
  }
}

/**
 * Sends the save's attempts in turn (one, or the change feed's variants), the next only when the
 * previous failed its condition and the item it returned does not show this save applied.
 */
async function sendPageWrite(
  transport: Transport,
  attempts: (() => UpdateCommandInput)[],
  attributes: PageWriteAttributes,
  page: { siteId: string; pageId: string; expectedRevision: number | undefined },
  token: string,
): Promise<PageWriteOutcome> {
  for (const attempt of attempts.slice(0, -1)) {
    try {
      return await sendOnce(transport, attempt(), attributes, token)
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const returned = (error as { Item?: Record<string, unknown> }).Item
      const outcome = returned && outcomeOfStoredSave(plainAttributes(returned), attributes, token)
      if (outcome) return outcome
    }
  }
  const input = attempts[attempts.length - 1]!()
  try {
    return await sendOnce(transport, input, attributes, token)
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

async function sendOnce(
  transport: Transport,
  input: UpdateCommandInput,
  attributes: PageWriteAttributes,
  token: string,
): Promise<PageWriteOutcome> {
  const output = (await transport.send(new UpdateCommand({ ...input }))) as {
    Attributes?: Record<string, unknown>
  }
  return outcomeOfApplied(output.Attributes ?? {}, attributes, token)
}

/** The answer of a save applied now, from the values it replaced (UPDATED_OLD; `{}` for a new item). */
export function outcomeOfApplied(
  old: Record<string, unknown>,
  attributes: PageWriteAttributes,
  token: string,
): PageWriteOutcome {
  return {
    revision: Number(old[attributes.revision] ?? 0) + 1,
    before:
      old[attributes.firstSeen] === undefined ? null : { isTombstone: old[attributes.isTombstone] === true },
    token,
    old,
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
  /**
   * Whether the save is likely a change for the feed (its first attempt; see `feedAttempts`);
   * default `likelyChange(page)`.
   */
  expectChange?: boolean
}

/** A layout's page save, checked against the item limit, not yet sent. */
export interface PreparedSave {
  pageId: string
  /**
   * The one description of the save: the UpdateItem with its bookkeeping (tokens, pre-image,
   * conditions), its largest form (the item-size check).
   */
  input: UpdateCommandInput
  /** The forms the bulk path's PartiQL statement is built from: the first whose condition holds. */
  forms: UpdateCommandInput[]
  /** The saved page and the count changes to apply: its own, and any of an earlier save it found. */
  send(): Promise<{ page: Page; deltas: PageCountDelta[] }>
  /** What `send` answers when the save was applied elsewhere (a PartiQL statement) and `old` is what it replaced. */
  completed(old: Record<string, unknown>): { page: Page; deltas: PageCountDelta[] }
}

/**
 * Whether a page's item could pass DynamoDB's item limit, judged from the page alone: besides its
 * fields, a page item holds its URL once more (multi-table `full_url` / single-table index keys)
 * and key and bookkeeping attributes of bounded size (key parts past 256 bytes are hashed), so
 * below this bound the write's own check (building it) cannot fail and is left to the save.
 */
export function mayPassItemLimit(page: Page): boolean {
  return 2 * valueBytes(page) + ITEM_OVERHEAD_BOUND > MAX_ITEM_BYTES
}

/** Far more than a page item's key, index-key and bookkeeping attributes take. */
const ITEM_OVERHEAD_BOUND = 16 * 1024

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
    { page, expectChange: options?.expectChange ?? likelyChange(page) },
  )
  const { revision: _ignored, ...fields } = page
  if (mayPassItemLimit(page)) assertItemFits(write.input, fields, options?.label ?? 'page')
  const key = JSON.stringify([siteId, pageId])
  const answer = (outcome: PageWriteOutcome) => {
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
  }
  return {
    pageId,
    get input() {
      return write.input
    },
    get forms() {
      return write.forms
    },
    async send() {
      let outcome: PageWriteOutcome
      try {
        outcome = await write.send()
      } catch (error) {
        if (isRetryable(error) && !isThrottling(error)) uncertain.note(key, write.token)
        throw error
      }
      return answer(outcome)
    },
    completed: (old) => answer(outcomeOfApplied(old, attributes, write.token)),
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
