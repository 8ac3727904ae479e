import type { ConditionOperations } from '../../entities/entity-requests.js'
import type { FrontierItem, FrontierStatus } from '../../model/schemas.js'
import type { BatchWrite } from '../plumbing/batch.js'
import type { ListOptions, ListResult } from '../plumbing/listing.js'

/** What the store's conditions use of ElectroDB's `where` callback, in either layout. */
export interface WhereAttributes {
  status: unknown
  leaseExpiresAt: unknown
  writeToken: unknown
  workerId: unknown
  itemId: unknown
  retryCount: unknown
}
/** The operations ElectroDB's `where` and `entityPatch` both give a condition. */
export type WhereOperations = ConditionOperations
export type Condition = (attr: WhereAttributes, op: WhereOperations) => string

/** An update of stored attributes: set (model names), then remove, then add, as ElectroDB chains them. */
export interface ItemChange {
  set: Record<string, unknown>
  remove?: readonly string[]
  add?: { retryCount: number }
}

/**
 * What differs between the layouts for the frontier: keys, the stored item's shape and raw
 * attribute names, the ElectroDB calls (with their layout's options), and which queries serve a
 * listing, a claim and a clear.
 */
export interface FrontierAdapter<Key, Attributes> {
  key(runId: string, itemId: string): Key
  /** The stored attributes of an item, with its `ttl`. */
  attributes(item: FrontierItem, ttl: number | undefined): Attributes
  /** Raw (stored) names of the lease end and the write token. */
  readonly stored: { lease: string; writeToken: string }
  /** A put; an enqueue's carries its write token and create condition. */
  put(attributes: Attributes, create?: { writeToken: string; condition: Condition }): Promise<void>
  /** An ElectroDB `update` (no existence check) or `patch`; `all_new` answers the item as stored. */
  write(
    how: 'update' | 'patch',
    key: Key,
    change: ItemChange,
    condition: Condition,
    response: 'all_new' | 'none',
  ): Promise<Record<string, unknown> | undefined>
  /** The raw item, read strongly consistently (undefined when absent). */
  getConsistent(key: Key): Promise<Record<string, unknown> | undefined>
  /** A raw item in model names, or undefined when it is not a frontier item. */
  format(raw: Record<string, unknown>): Record<string, unknown> | undefined
  /** Whether the raw item carries the entity's own identifiers (written by this library). */
  own(raw: Record<string, unknown>): boolean
  /** One listing page in queue order; `read` turns a raw item into a live frontier item. */
  list(
    runId: string,
    options: (ListOptions & { status?: FrontierStatus }) | undefined,
    read: (raw: Record<string, unknown>) => FrontierItem | undefined,
  ): Promise<ListResult<FrontierItem>>
  /** Partitions of a run's queue (`frontierShards`; 1 in the multi-table layout). */
  readonly shards: number
  /** The shard a worker's claims try first. */
  homeShard(workerId: string): number
  /**
   * One claim Query of a shard: at most `window` raw items of the claim index from "due at `nowMs`"
   * on (due timed items, then ready items in queue order); finished, scheduled-for-later and leased
   * items are not read; from `start` (a `next` it returned) it reads on. When it yields fewer than `want`, a layout may add items its index cannot
   * hold (the multi-table layout: another tool's, from its fallback read).
   */
  claimPage(
    runId: string,
    shard: number,
    window: number,
    nowMs: number,
    want: number,
    start?: Record<string, unknown>,
  ): Promise<{ items: Record<string, unknown>[]; next: Record<string, unknown> | undefined }>
  /**
   * The politeness write of a claim of `domain`: one conditional UpdateItem of the (run, domain)
   * item, setting the last claim instant to `instantMs` when the one stored is at least
   * `intervalMs` older (or absent), or when it already holds `token` (the SDK's resend). True when
   * the domain was due and is now claimed at `instantMs`.
   */
  claimDomain(
    runId: string,
    domain: string,
    instantMs: number,
    intervalMs: number,
    token: string,
  ): Promise<boolean>
  /** The deletes of every item of the run, page by page. */
  deletesOfRun(runId: string): AsyncIterable<BatchWrite[]>
}
