import { z } from 'zod'
import { IdSchema } from './ids.js'
import { DateTimeSchema, dateDefaultNow, nullableDate } from './time.js'

// The five logical tables. Each schema parses input (filling defaults) and also reads stored items
// back (ISO strings become Dates), so the types below are the single source for the whole library.

const count = () => z.number().int().nonnegative().default(0)
const optionalText = () => z.string().nullable().default(null)
const jsonObject = () => z.record(z.string(), z.unknown()).default(() => ({}))
const stringList = () => z.array(z.string()).default(() => [])
const intCounts = () => z.record(z.string(), z.number().int()).default(() => ({}))

export const RunStatusSchema = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled', 'partial'])
export type RunStatus = z.infer<typeof RunStatusSchema>

export const FrontierStatusSchema = z.enum(['pending', 'in_progress', 'completed', 'failed', 'skipped'])
export type FrontierStatus = z.infer<typeof FrontierStatusSchema>

export const SiteSchema = z.object({
  siteId: IdSchema,
  name: z.string(),
  seeds: z.array(z.string()),
  allowedDomains: stringList(),
  allowedSubdomains: z.boolean().default(true),
  /** Full crawler configuration; credential keys are dropped before storage. */
  config: jsonObject(),
  createdAt: dateDefaultNow(),
  updatedAt: dateDefaultNow(),
  lastCrawlAt: nullableDate(),
  lastSyncAt: nullableDate(),
  totalPages: count(),
  totalRuns: count(),
  isActive: z.boolean().default(true),
})
export type Site = z.output<typeof SiteSchema>
export type SiteInput = z.input<typeof SiteSchema>

export const CrawlStatsSchema = z.object({
  pagesDiscovered: count(),
  pagesCrawled: count(),
  pagesFailed: count(),
  pagesSkipped: count(),
  pagesChanged: count(),
  pagesUnchanged: count(),
  pagesNew: count(),
  pagesDeleted: count(),
  totalBytesDownloaded: count(),
  totalFetchTimeMs: z.number().default(0),
  totalExtractionTimeMs: z.number().default(0),
  avgFetchLatencyMs: z.number().default(0),
  errorsByType: intCounts(),
  errorsByDomain: intCounts(),
  /** HTTP status code (as a string key) to count. */
  statusCodes: z
    .record(z.string().regex(/^\d+$/, { error: 'must be an HTTP status code' }), z.number().int())
    .default(() => ({})),
  /** Distinct domains; a Set or an array with repeats is accepted and stored as a distinct list. */
  domainsCrawled: z
    .union([z.array(z.string()), z.set(z.string())])
    .transform((value) => [...new Set(value)])
    .default(() => []),
})
export type CrawlStats = z.output<typeof CrawlStatsSchema>
export type CrawlStatsInput = z.input<typeof CrawlStatsSchema>

export const CrawlRunSchema = z.object({
  runId: IdSchema,
  siteId: IdSchema,
  status: RunStatusSchema.default('pending'),
  errorMessage: optionalText(),
  createdAt: dateDefaultNow(),
  startedAt: nullableDate(),
  completedAt: nullableDate(),
  configSnapshot: jsonObject(),
  seeds: stringList(),
  isSync: z.boolean().default(false),
  parentRunId: IdSchema.nullable().default(null),
  stats: CrawlStatsSchema.default(() => CrawlStatsSchema.parse({})),
  frontierSize: count(),
  maxDepthReached: count(),
})
export type CrawlRun = z.output<typeof CrawlRunSchema>
export type CrawlRunInput = z.input<typeof CrawlRunSchema>

export const PageSchema = z.object({
  pageId: IdSchema,
  siteId: IdSchema,
  url: z.string().min(1, { error: 'must not be empty' }),
  canonicalUrl: optionalText(),
  currentVersionId: IdSchema.nullable().default(null),
  contentHash: optionalText(),
  etag: optionalText(),
  /** Raw `Last-Modified` header. */
  lastModified: optionalText(),
  firstSeen: DateTimeSchema,
  lastSeen: DateTimeSchema,
  lastCrawled: nullableDate(),
  lastChanged: nullableDate(),
  depth: z.number().int().nonnegative(),
  referrerUrl: optionalText(),
  statusCode: z.number().int().nullable().default(null),
  isTombstone: z.boolean().default(false),
  errorCount: count(),
  lastError: optionalText(),
  versionCount: count(),
  /** Optimistic-concurrency counter: +1 on every save. Ignored on input (see `expectedRevision`). */
  revision: z.number().int().nonnegative().default(0),
})
export type Page = z.output<typeof PageSchema>
export type PageInput = z.input<typeof PageSchema>

export const PageVersionSchema = z.object({
  versionId: IdSchema,
  pageId: IdSchema,
  siteId: IdSchema,
  runId: IdSchema,
  markdown: z.string(),
  html: optionalText(),
  plainText: optionalText(),
  contentHash: z.string(),
  rawHash: optionalText(),
  url: z.string().min(1, { error: 'must not be empty' }),
  canonicalUrl: optionalText(),
  title: optionalText(),
  description: optionalText(),
  contentType: optionalText(),
  language: optionalText(),
  statusCode: z.number().int(),
  headingsOutline: z.array(z.record(z.string(), z.unknown())).default(() => []),
  wordCount: count(),
  charCount: count(),
  outlinks: stringList(),
  internalLinkCount: count(),
  externalLinkCount: count(),
  etag: optionalText(),
  lastModified: optionalText(),
  crawledAt: DateTimeSchema,
  createdAt: dateDefaultNow(),
  fetchLatencyMs: z.number().nullable().default(null),
  extractionLatencyMs: z.number().nullable().default(null),
  isTombstone: z.boolean().default(false),
  extra: jsonObject(),
})
export type PageVersion = z.output<typeof PageVersionSchema>
export type PageVersionInput = z.input<typeof PageVersionSchema>

export const FrontierItemSchema = z.object({
  itemId: IdSchema,
  runId: IdSchema,
  siteId: IdSchema,
  url: z.string().min(1, { error: 'must not be empty' }),
  normalizedUrl: z.string().min(1, { error: 'must not be empty' }),
  urlHash: z.string(),
  depth: z.number().int().nonnegative(),
  referrerUrl: optionalText(),
  /** Higher is sooner. */
  priority: z.number().finite().default(0),
  status: FrontierStatusSchema.default('pending'),
  retryCount: count(),
  lastError: optionalText(),
  discoveredAt: dateDefaultNow(),
  scheduledAt: nullableDate(),
  startedAt: nullableDate(),
  completedAt: nullableDate(),
  domain: z.string(),
  /** Lease holder while `in_progress`. */
  workerId: IdSchema.nullable().default(null),
  /** When the lease ends; after it the item is claimable again. */
  leaseExpiresAt: nullableDate(),
})
export type FrontierItem = z.output<typeof FrontierItemSchema>
export type FrontierItemInput = z.input<typeof FrontierItemSchema>
