import { z } from 'zod'
import { IdSchema } from '../model/ids.js'
import { FrontierStatusSchema } from '../model/schemas.js'

// The boundary's schemas: every option object of the public methods, strict (an unknown key is a
// ValidationError naming it). The public option types are their `z.input`; the stores get `z.output`.

export const SignalSchema = z.custom<AbortSignal>((value) => value instanceof AbortSignal, {
  error: 'must be an AbortSignal',
})
const LimitSchema = z.number().int().min(1).max(1000)

/** A method without other options: `getSite(siteId, { signal })`. */
export const CallOptionsSchema = z.strictObject({ signal: SignalSchema.optional() })
export type CallOptions = z.input<typeof CallOptionsSchema>

export const ListOptionsSchema = z.strictObject({
  /** Items per page (matching items, filters included); default 100. */
  limit: LimitSchema.optional(),
  /** Where the previous page stopped; `null`/absent starts at the beginning. */
  cursor: z.string().nullable().optional(),
  signal: SignalSchema.optional(),
})
export type ListOptions = z.input<typeof ListOptionsSchema>

export const ListPagesOptionsSchema = ListOptionsSchema.extend({ includeTombstones: z.boolean().optional() })
export type ListPagesOptions = z.input<typeof ListPagesOptionsSchema>

export const RecrawlOptionsSchema = ListOptionsSchema.extend({
  /** Pages crawled at least this long ago are due (never-crawled ones always are). */
  maxAgeHours: z.number().min(0).optional(),
  /** The instant `maxAgeHours` counts back from; default now. */
  now: z.date().optional(),
})
export type RecrawlOptions = z.input<typeof RecrawlOptionsSchema>

export const CountPagesOptionsSchema = CallOptionsSchema.extend({ includeTombstones: z.boolean().optional() })
export type CountPagesOptions = z.input<typeof CountPagesOptionsSchema>

export const SaveOptionsSchema = CallOptionsSchema.extend({
  /** The revision the caller last read; a stale write fails with `ConflictError` and changes nothing. */
  expectedRevision: z.number().int().min(0).optional(),
})
export type SaveOptions = z.input<typeof SaveOptionsSchema>

export const ClaimOptionsSchema = CallOptionsSchema.extend({
  workerId: IdSchema,
  /** Items to claim at most; default 10. */
  limit: z.number().int().min(1).max(100).default(10),
  /** Lease length, at least 1 second; default 300. */
  leaseSeconds: z.number().min(1).default(300),
  domainIntervalMs: z.number().int().nonnegative().optional(),
})
export type ClaimOptions = z.input<typeof ClaimOptionsSchema>

export const FrontierListOptionsSchema = ListOptionsSchema.extend({ status: FrontierStatusSchema.optional() })
export type FrontierListOptions = z.input<typeof FrontierListOptionsSchema>

export const StatusUpdateOptionsSchema = CallOptionsSchema.extend({
  /** Kept as the item's `lastError`. */
  error: z.string({ error: 'must be a string' }).optional(),
  /** With it, only the lease owner may change the item (`ConflictError` otherwise). */
  workerId: IdSchema.optional(),
})
export type StatusUpdateOptions = z.input<typeof StatusUpdateOptionsSchema>

export const ExtendLeaseOptionsSchema = CallOptionsSchema.extend({
  /** The worker holding the item; anyone else gets `ConflictError`. */
  workerId: IdSchema,
  /** The new lease runs this long from now, at least 1 second. */
  leaseSeconds: z.number().min(1),
})
export type ExtendLeaseOptions = z.input<typeof ExtendLeaseOptionsSchema>

export const RetryOptionsSchema = CallOptionsSchema.extend({
  /** With it, only the lease owner may retry the item (`ConflictError` otherwise). */
  workerId: IdSchema.optional(),
  /** Kept as the item's `lastError`; without it `lastError` keeps its value. */
  error: z.string({ error: 'must be a string' }).optional(),
  /** Wait exactly this long before the item is claimable again, instead of the backoff. */
  delaySeconds: z.number().nonnegative().optional(),
})
export type RetryOptions = z.input<typeof RetryOptionsSchema>

/** How many newest runs come with the site; default 10. */
export const WithRunsOptionsSchema = CallOptionsSchema.extend({ limit: LimitSchema.optional() })
export type WithRunsOptions = z.input<typeof WithRunsOptionsSchema>

/** How many newest versions come with the page; default 10. */
export const WithVersionsOptionsSchema = CallOptionsSchema.extend({ limit: LimitSchema.optional() })

/** `listPageChanges`: a feed cursor (never-null once returned), default limit 100. */
export const PageChangesOptionsSchema = z.strictObject({
  cursor: z.string().nullable().optional(),
  limit: LimitSchema.optional(),
  signal: SignalSchema.optional(),
})

/** `followPageChanges`: where to start, how long to wait when caught up, when to stop. */
export const FollowPageChangesOptionsSchema = PageChangesOptionsSchema.extend({
  /** Milliseconds to wait before asking again when caught up; default 1,000. */
  pollMs: z.number().int().min(1).max(3_600_000).optional(),
})

export type PageChangesOptions = z.input<typeof PageChangesOptionsSchema>
export type FollowPageChangesOptions = z.input<typeof FollowPageChangesOptionsSchema>
export type WithVersionsOptions = z.input<typeof WithVersionsOptionsSchema>

/** A claim as the stores get it: defaults applied. */
export type Claim = z.output<typeof ClaimOptionsSchema>
/** A lease extension as the stores get it. */
export type LeaseExtension = z.output<typeof ExtendLeaseOptionsSchema>
/** A retry as the stores get it. */
export type RetryRequest = z.output<typeof RetryOptionsSchema>
