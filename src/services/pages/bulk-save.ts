import { BatchExecuteStatementCommand } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { AbortError, CapacityError } from '../../errors.js'
import type { Page } from '../../model/schemas.js'
import { isThrottling } from '../plumbing/aws-errors.js'
import { batchGet } from '../plumbing/batch.js'
import { type BulkSource, forEachGroup } from '../plumbing/bulk-source.js'
import { type BuiltStatement, planStatement } from '../plumbing/partiql.js'
import { backoffMs, forEachConcurrent, sleep } from '../plumbing/retry.js'
import type { PageCountDelta } from './page-counter.js'
import type { PreparedSave } from './page-write.js'

/** Pages read from the input and written as one group (one BatchGetItem, four BatchExecuteStatement). */
const GROUP_SIZE = 100
/** Groups in flight at once: at most GROUP_SIZE × LANES pages are held, whatever the input's size. */
const LANES = 4
/** Per-item saves in flight per group: LANES × this many in all, as before. */
const PER_ITEM_CONCURRENCY = 4
/** DynamoDB's limit of statements per BatchExecuteStatement. */
const STATEMENTS_PER_REQUEST = 25
/** Rounds of retry for throttled statements and unprocessed keys. */
const MAX_RETRIES = 10

/** What a bulk save needs of the page store. */
export interface BulkPageWriter {
  readonly transport: Transport
  /** The page's replay-safe save (checked against the item limit), labelled `pages.<index>`. */
  prepare(page: Page, index: number): PreparedSave
  applyCounts(deltas: PageCountDelta[]): Promise<void>
  /** Whether the engine runs BatchExecuteStatement (asked once). */
  partiql(table: string): Promise<boolean>
}

/**
 * Saves the pages of `source` in groups of 100, four groups at once, reading the source only as
 * groups finish (memory: 400 pages, not the input). Each page gets its own replay-safe save with
 * its revision increment. Where the engine runs PartiQL batches, each page's UpdateItem becomes a
 * statement for the page's current state (`planStatement`), 25 a request: while most pages of the
 * call were new, an INSERT of each (a page that exists answers DuplicateItem), then for the pages
 * that exist one consistent BatchGetItem and an UPDATE pinned to what was read. A statement whose
 * condition fails (the page changed in between, or a resent request was applied already) is sent
 * again as the page's own UpdateItem, which tells a replay from a conflict; throttled statements
 * are retried. Elsewhere (dynalite) each page is its UpdateItem.
 *
 * Count changes are applied after each group, once per page save. Pages throttled past the
 * retries make one `CapacityError` naming every unsaved pageId; any other error of a page is thrown
 * as is once every page was attempted. An error reading the source or preparing a page of it (a
 * ValidationError of an item of an async iterable) or an abort stops it: no further group is
 * started, the groups before are saved and counted, nothing of the item's group is written.
 */
export async function saveBulkPages(source: BulkSource<Page>, writer: BulkPageWriter): Promise<number> {
  const failed: { pageId: string; reason: unknown }[] = []
  let saved = 0
  let attempted = 0
  let aborted: unknown
  let countFailure: { error: unknown } | undefined
  const call = new BulkCallState()
  const worker = async (group: Page[], index: number) => {
    attempted += group.length
    let writes: PreparedSave[]
    try {
      writes = group.map((page, i) => writer.prepare(page, index + i))
    } catch (error) {
      // Only an input that was not checked before (an async iterable): its group is not written.
      aborted = error
      return
    }
    const results = await writeGroup(writer, writes, call)
    const deltas: PageCountDelta[] = []
    results.forEach((result, i) => {
      if ('deltas' in result) {
        saved++
        deltas.push(...result.deltas)
      } else {
        failed.push({ pageId: writes[i]!.pageId, reason: result.error })
        if (result.error instanceof AbortError) aborted = result.error
      }
    })
    try {
      await writer.applyCounts(deltas)
    } catch (error) {
      countFailure ??= { error }
    }
  }
  await forEachGroup(source, GROUP_SIZE, LANES, worker, () => aborted !== undefined)
  if (aborted) throw aborted
  const other = failed.find((f) => !isThrottling(f.reason))
  if (other) throw other.reason
  if (countFailure) throw countFailure.error
  if (failed.length === 0) return saved
  const ids = failed.map((f) => f.pageId)
  throw new CapacityError(
    `${failed.length} of ${attempted} pages were not saved (throttled); unsaved pageIds: ${ids.join(', ')}`,
    { unprocessed: ids, cause: failed[0]!.reason },
  )
}

type Settled = { deltas: PageCountDelta[] } | { error: unknown }

async function perItem(write: PreparedSave): Promise<Settled> {
  try {
    return { deltas: (await write.send()).deltas }
  } catch (error) {
    return { error }
  }
}

async function writeGroup(
  writer: BulkPageWriter,
  writes: PreparedSave[],
  call: BulkCallState,
): Promise<Settled[]> {
  const results: Settled[] = new Array(writes.length)
  const table = writes[0]?.input.TableName
  const viaStatements = table !== undefined && (await writer.partiql(table))
  const fallback: number[] = []
  const run = async (planned: PlannedStatement[]): Promise<number[]> => {
    const duplicates: number[] = []
    await forEachConcurrent(chunks(planned, STATEMENTS_PER_REQUEST), LANES, async (chunk) => {
      for (const { index, old, code } of await executeChunk(writer.transport, chunk)) {
        if (old) results[index] = { deltas: writes[index]!.completed(old).deltas }
        else if (code === 'DuplicateItem') duplicates.push(index)
        else fallback.push(index)
      }
    })
    return duplicates
  }
  if (viaStatements) {
    let plans = plansOf(writes, fallback)
    if (call.insertFirst()) {
      // Most pages of this call so far were new: INSERT each without reading it first; the pages
      // that exist answer DuplicateItem and are read and updated below.
      const inserts: PlannedStatement[] = []
      const conditioned: typeof plans = []
      for (const entry of plans) {
        const statement = entry.plan.statementFor(undefined)
        if (statement) inserts.push({ index: entry.index, statement })
        else conditioned.push(entry)
      }
      const existing = new Set(await run(inserts))
      call.note(existing.size, inserts.length)
      plans = [...conditioned, ...plans.filter((entry) => existing.has(entry.index))]
    }
    const planned = await readAndBuild(writer.transport, plans, fallback)
    for (const index of await run(planned)) fallback.push(index)
  } else {
    fallback.push(...writes.keys())
  }
  await forEachConcurrent(fallback, PER_ITEM_CONCURRENCY, async (index) => {
    results[index] = await perItem(writes[index]!)
  })
  return results
}

/** What one bulk call has seen: the share of its pages that already existed decides whether to read first. */
class BulkCallState {
  private existing = 0
  private seen = 0

  insertFirst(): boolean {
    return this.existing <= this.seen * INSERT_FIRST_BELOW
  }

  note(existing: number, of: number): void {
    this.existing += existing
    this.seen += of
  }
}

/** Insert first while at most this share of the call's pages existed already. */
const INSERT_FIRST_BELOW = 0.2

interface PlannedStatement {
  index: number
  statement: BuiltStatement
}

type StatementPlan = NonNullable<ReturnType<typeof planStatement>>
/** A page's statement plans (one per form of its save, tried in order) on one item. */
type Plan = { index: number; plan: StatementPlan; forms: StatementPlan[]; key: string }

const keyOf = (table: string, key: Record<string, unknown>) =>
  `${table}\u0000${JSON.stringify(
    Object.keys(key)
      .sort()
      .map((k) => key[k]),
  )}`

/**
 * Each page's statement plan; the indexes of pages sent as UpdateItem instead go to `fallback`:
 * an update not translated, or a second save of the same page in the group (a request may name
 * an item once).
 */
function plansOf(writes: PreparedSave[], fallback: number[]): Plan[] {
  const plans: Plan[] = []
  const seen = new Set<string>()
  writes.forEach((write, index) => {
    const forms = write.forms.map((form) => planStatement(form))
    const plan = forms[0]
    const key = plan && keyOf(plan.table, plan.key)
    if (!plan || !key || seen.has(key) || forms.some((form) => !form)) fallback.push(index)
    else {
      seen.add(key)
      plans.push({ index, plan, forms: forms as StatementPlan[], key })
    }
  })
  return plans
}

/**
 * Reads the pages as they are (consistently, only what the statements need) and builds each
 * one's statement for that state; to `fallback` go those whose update's condition fails on the
 * page as read, or whose read did not succeed.
 */
async function readAndBuild(
  transport: Transport,
  plans: Plan[],
  fallback: number[],
): Promise<PlannedStatement[]> {
  const stored = new Map<string, Record<string, unknown>>()
  const unread = new Set<string>()
  const byTable = new Map<string, Plan[]>()
  for (const entry of plans) byTable.set(entry.plan.table, [...(byTable.get(entry.plan.table) ?? []), entry])
  for (const [table, entries] of byTable) {
    const keyNames = Object.keys(entries[0]!.plan.key)
    const read = await batchGet(
      transport,
      table,
      entries.map((e) => e.plan.key),
      {
        consistent: true,
        projection: [...new Set(entries.flatMap((e) => e.forms.flatMap((form) => form.projection)))],
        maxRetries: MAX_RETRIES,
      },
    )
    for (const item of read.items) {
      stored.set(keyOf(table, Object.fromEntries(keyNames.map((name) => [name, item[name]]))), item)
    }
    for (const key of read.unread) unread.add(keyOf(table, key))
  }
  const planned: PlannedStatement[] = []
  for (const { index, forms, key } of plans) {
    const item = stored.get(key)
    const statement = unread.has(key)
      ? undefined
      : forms.reduce<BuiltStatement | undefined>((built, form) => built ?? form.statementFor(item), undefined)
    if (statement) planned.push({ index, statement })
    else fallback.push(index)
  }
  return planned
}

/** Statement codes that say it was not run and may be sent again as it is. */
const THROTTLED = new Set(['ProvisionedThroughputExceeded', 'ThrottlingError', 'RequestLimitExceeded'])

/**
 * One BatchExecuteStatement of up to 25 statements, throttled ones sent again with backoff. For
 * each page, what its statement replaced (`old`: applied), or the code it failed with (none when
 * it stayed throttled or the request's answer was lost): then the page's own UpdateItem tells.
 */
async function executeChunk(
  transport: Transport,
  chunk: PlannedStatement[],
): Promise<{ index: number; old?: Record<string, unknown>; code?: string }[]> {
  const out: { index: number; old?: Record<string, unknown>; code?: string }[] = []
  let pending = chunk
  for (let attempt = 0; pending.length > 0 && attempt <= MAX_RETRIES; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt))
    let responses: { Error?: { Code?: string } }[]
    try {
      const output = (await transport.send(
        new BatchExecuteStatementCommand({
          Statements: pending.map(({ statement }) => ({
            Statement: statement.Statement,
            Parameters: statement.Parameters,
          })),
        }),
      )) as { Responses?: { Error?: { Code?: string } }[] }
      responses = output.Responses ?? []
    } catch {
      // Applied or not, unknown: the pages' own UpdateItems tell (a replay is recognised by its
      // token); an aborted call's UpdateItems are refused before they are sent.
      break
    }
    const retry: PlannedStatement[] = []
    pending.forEach((entry, i) => {
      const response = responses[i]
      const code = response?.Error?.Code
      if (response === undefined) out.push({ index: entry.index })
      else if (code === undefined) out.push({ index: entry.index, old: entry.statement.old })
      else if (THROTTLED.has(code)) retry.push(entry)
      else out.push({ index: entry.index, code })
    })
    pending = retry
  }
  for (const entry of pending) out.push({ index: entry.index })
  return out
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
