import type { z } from 'zod'
import { abortReason, currentSignal, withSignal } from '../engine/abort.js'
import type { RequestMetrics } from '../engine/metrics.js'
import { AbortError, ValidationError } from '../errors.js'
import { IdSchema } from '../model/ids.js'
import {
  CrawlRunSchema,
  FrontierItemSchema,
  FrontierStatusSchema,
  PageSchema,
  PageVersionSchema,
  SiteSchema,
} from '../model/schemas.js'
import { validate } from '../model/validate.js'
import type { StorageBackend } from './contract.js'
import type { Layout } from './layout.js'
import {
  CallOptionsSchema,
  ClaimOptionsSchema,
  CountPagesOptionsSchema,
  ExtendLeaseOptionsSchema,
  FollowPageChangesOptionsSchema,
  FrontierListOptionsSchema,
  ListOptionsSchema,
  ListPagesOptionsSchema,
  PageChangesOptionsSchema,
  RecrawlOptionsSchema,
  RetryOptionsSchema,
  SaveOptionsSchema,
  StatusUpdateOptionsSchema,
  WithRunsOptionsSchema,
  WithVersionsOptionsSchema,
} from './options.js'
import { followChanges } from './pages/page-changes.js'
import { tokenFor } from './pages/page-write.js'
import { toStorageError } from './plumbing/aws-errors.js'
import type { BulkSource } from './plumbing/bulk-source.js'
import { withoutCredentials } from './plumbing/credentials.js'
import { healthOf, initializeTables } from './plumbing/lifecycle.js'
import { assertSamePage } from './versions/version-store.js'

const PagesSchema = PageSchema.array()
const VersionsSchema = PageVersionSchema.array()
const FrontierItemsSchema = FrontierItemSchema.array()

/**
 * The public `StorageBackend` over either layout, and its one boundary: every argument is parsed
 * here, once (strict options, ids, inputs), credentials are scrubbed, the call runs under its
 * `AbortSignal` and its errors are translated; the layout's stores get parsed values.
 */
export class LayoutBackend implements StorageBackend {
  constructor(private readonly layout: Layout) {}

  /** The transport every request goes through (metrics, listeners). */
  get transport() {
    return this.layout.transport
  }

  saveSite: StorageBackend['saveSite'] = (site, options) =>
    call('saveSite', options, () => {
      const parsed = validate(SiteSchema, site, 'site')
      parsed.config = withoutCredentials(parsed.config)
      return () => this.layout.sites.save(parsed)
    })
  getSite: StorageBackend['getSite'] = (siteId, options) =>
    call('getSite', options, () => {
      const site = id(siteId, 'siteId')
      return () => this.layout.sites.get(site)
    })
  listSites: StorageBackend['listSites'] = (options) =>
    call('listSites', options, () => (parsed) => this.layout.sites.list(parsed), ListOptionsSchema)
  deleteSite: StorageBackend['deleteSite'] = (siteId, options) =>
    call('deleteSite', options, () => {
      const site = id(siteId, 'siteId')
      return () => this.layout.deleteSiteAndMembers(site)
    })
  getSiteWithRuns: StorageBackend['getSiteWithRuns'] = (siteId, options) =>
    call(
      'getSiteWithRuns',
      options,
      () => {
        const site = id(siteId, 'siteId')
        return (parsed) => this.layout.sites.withRuns(site, parsed.limit ?? 10)
      },
      WithRunsOptionsSchema,
    )

  saveRun: StorageBackend['saveRun'] = (run, options) =>
    call('saveRun', options, () => {
      const parsed = validate(CrawlRunSchema, run, 'run')
      parsed.configSnapshot = withoutCredentials(parsed.configSnapshot)
      return () => this.layout.runs.save(parsed)
    })
  getRun: StorageBackend['getRun'] = (runId, options) =>
    call('getRun', options, () => {
      const run = id(runId, 'runId')
      return () => this.layout.runs.get(run)
    })
  listRuns: StorageBackend['listRuns'] = (siteId, options) =>
    call(
      'listRuns',
      options,
      () => {
        const key = id(siteId, 'siteId')
        return (parsed) => this.layout.runs.list(key, parsed)
      },
      ListOptionsSchema,
    )
  getLatestRun: StorageBackend['getLatestRun'] = (siteId, options) =>
    call('getLatestRun', options, () => {
      const site = id(siteId, 'siteId')
      return () => this.layout.runs.latest(site)
    })

  savePage: StorageBackend['savePage'] = (page, options) =>
    call(
      'savePage',
      options,
      () => {
        const parsed = validate(PageSchema, page, 'page')
        return (opts) => this.layout.pages.save(parsed, opts.expectedRevision)
      },
      SaveOptionsSchema,
    )
  getPage: StorageBackend['getPage'] = (siteId, pageId, options) =>
    call('getPage', options, () => {
      const site = id(siteId, 'siteId')
      const page = id(pageId, 'pageId')
      return () => this.layout.pages.get(site, page)
    })
  getPageByUrl: StorageBackend['getPageByUrl'] = (siteId, url, options) =>
    call('getPageByUrl', options, () => {
      const site = id(siteId, 'siteId')
      const exactUrl = validate(PageSchema.shape.url, url, 'url')
      return () => this.layout.pages.byUrl(site, exactUrl)
    })
  listPages: StorageBackend['listPages'] = (siteId, options) =>
    call(
      'listPages',
      options,
      () => {
        const key = id(siteId, 'siteId')
        return (parsed) => this.layout.pages.list(key, parsed)
      },
      ListPagesOptionsSchema,
    )
  getPagesNeedingRecrawl: StorageBackend['getPagesNeedingRecrawl'] = (siteId, options) =>
    call(
      'getPagesNeedingRecrawl',
      options,
      () => {
        const key = id(siteId, 'siteId')
        return (parsed) => this.layout.pages.needingRecrawl(key, parsed)
      },
      RecrawlOptionsSchema,
    )
  countPages: StorageBackend['countPages'] = (siteId, options) =>
    call(
      'countPages',
      options,
      () => {
        const site = id(siteId, 'siteId')
        return (parsed) => this.layout.pages.count(site, parsed.includeTombstones ?? false)
      },
      CountPagesOptionsSchema,
    )
  savePagesBulk: StorageBackend['savePagesBulk'] = (pages, options) =>
    call('savePagesBulk', options, () => {
      const parsed = bulkInput(PageSchema, PagesSchema, pages, 'pages')
      return () => this.layout.pages.saveBulk(parsed)
    })

  listPageChanges: StorageBackend['listPageChanges'] = (siteId, options) =>
    call(
      'listPageChanges',
      options,
      () => {
        const key = id(siteId, 'siteId')
        return async (parsed) => {
          const { items, cursor } = await this.layout.pages.changes(key, parsed)
          return { items: items.map((item) => item.change), cursor }
        }
      },
      PageChangesOptionsSchema,
    )
  followPageChanges: StorageBackend['followPageChanges'] = (siteId, options) => {
    const key = id(siteId, 'siteId')
    const parsed = validate(FollowPageChangesOptionsSchema, options ?? {})
    const { signal, limit } = parsed
    return followChanges(
      (cursor) =>
        call(
          'followPageChanges',
          { ...(signal ? { signal } : {}) },
          () => () => this.layout.pages.changes(key, { cursor, limit }),
        ),
      parsed,
    )
  }

  saveVersion: StorageBackend['saveVersion'] = (version, options) =>
    call('saveVersion', options, () => {
      const parsed = validate(PageVersionSchema, version, 'version')
      return () => this.layout.versions.save(parsed)
    })
  getVersion: StorageBackend['getVersion'] = (pageId, versionId, options) =>
    call('getVersion', options, () => {
      const page = id(pageId, 'pageId')
      const version = id(versionId, 'versionId')
      return () => this.layout.versions.get(page, version)
    })
  getCurrentVersion: StorageBackend['getCurrentVersion'] = (pageId, options) =>
    call('getCurrentVersion', options, () => {
      const page = id(pageId, 'pageId')
      return () => this.layout.versions.current(page)
    })
  listVersions: StorageBackend['listVersions'] = (pageId, options) =>
    call(
      'listVersions',
      options,
      () => {
        const key = id(pageId, 'pageId')
        return (parsed) => this.layout.versions.list(key, parsed)
      },
      ListOptionsSchema,
    )
  saveVersionsBulk: StorageBackend['saveVersionsBulk'] = (versions, options) =>
    call('saveVersionsBulk', options, () => {
      const parsed = bulkInput(PageVersionSchema, VersionsSchema, versions, 'versions')
      return () => this.layout.versions.saveBulk(parsed)
    })
  getPageWithVersions: StorageBackend['getPageWithVersions'] = (siteId, pageId, options) =>
    call(
      'getPageWithVersions',
      options,
      () => {
        const site = id(siteId, 'siteId')
        const page = id(pageId, 'pageId')
        return (parsed) => this.layout.versions.pageWithVersions(site, page, parsed.limit ?? 10)
      },
      WithVersionsOptionsSchema,
    )

  /**
   * The version first (its chunks before it), then the page pointing at it; the page write is
   * built and checked (item size) before the version is written. With `expectedRevision`, the page
   * write's token is derived from the call (page, version, expectedRevision), so calling again
   * after a failure that came after the page write is recognised as the same commit and completes
   * it, answering what the first call would have.
   */
  commitVersion: StorageBackend['commitVersion'] = (page, version, options) =>
    call(
      'commitVersion',
      options,
      () => {
        const parsedVersion = validate(PageVersionSchema, version, 'version')
        const parsedPage = validate(
          PageSchema,
          { ...page, currentVersionId: parsedVersion.versionId },
          'page',
        )
        assertSamePage(parsedPage, parsedVersion)
        return async ({ expectedRevision }) => {
          const { revision: _ignored, ...fields } = parsedPage
          // A commit points the page at a new version: a change, unless it is that commit again.
          const pageWrite = this.layout.pages.prepareWrite(parsedPage, expectedRevision, {
            expectChange: true,
            ...(expectedRevision === undefined
              ? {}
              : { token: tokenFor(['commitVersion', fields, expectedRevision]) }),
          })
          await this.layout.versions.write(parsedVersion)
          const { page: saved, deltas } = await pageWrite.send()
          await this.layout.pages.applyCounts(deltas)
          return { page: saved, version: parsedVersion }
        }
      },
      SaveOptionsSchema,
    )

  saveFrontierItem: StorageBackend['saveFrontierItem'] = (item, options) =>
    call('saveFrontierItem', options, () => {
      const parsed = validate(FrontierItemSchema, item, 'item')
      return () => this.layout.frontier.save(parsed)
    })
  enqueueFrontierItems: StorageBackend['enqueueFrontierItems'] = (items, options) =>
    call('enqueueFrontierItems', options, () => {
      const parsed = validate(FrontierItemsSchema, items, 'items')
      return () => this.layout.frontier.enqueue(parsed)
    })
  getFrontierItems: StorageBackend['getFrontierItems'] = (runId, options) =>
    call(
      'getFrontierItems',
      options,
      () => {
        const key = id(runId, 'runId')
        return (parsed) => this.layout.frontier.list(key, parsed)
      },
      FrontierListOptionsSchema,
    )
  claimFrontierItems: StorageBackend['claimFrontierItems'] = (runId, options) =>
    call(
      'claimFrontierItems',
      options,
      () => {
        const run = id(runId, 'runId')
        return (claim) => this.layout.frontier.claim(run, claim)
      },
      ClaimOptionsSchema,
      true,
    )
  updateFrontierStatus: StorageBackend['updateFrontierStatus'] = (runId, itemId, status, options) =>
    call(
      'updateFrontierStatus',
      options,
      () => {
        const run = id(runId, 'runId')
        const item = id(itemId, 'itemId')
        const next = validate(FrontierStatusSchema, status, 'status')
        return (parsed) => this.layout.frontier.updateStatus(run, item, next, parsed)
      },
      StatusUpdateOptionsSchema,
    )
  clearFrontier: StorageBackend['clearFrontier'] = (runId, options) =>
    call('clearFrontier', options, () => {
      const run = id(runId, 'runId')
      return () => this.layout.frontier.clear(run)
    })
  extendFrontierLease: StorageBackend['extendFrontierLease'] = (runId, itemId, options) =>
    call(
      'extendFrontierLease',
      options,
      () => {
        const run = id(runId, 'runId')
        const item = id(itemId, 'itemId')
        return (parsed) => this.layout.frontier.extendLease(run, item, parsed)
      },
      ExtendLeaseOptionsSchema,
      true,
    )
  retryFrontierItem: StorageBackend['retryFrontierItem'] = (runId, itemId, options) =>
    call(
      'retryFrontierItem',
      options,
      () => {
        const run = id(runId, 'runId')
        const item = id(itemId, 'itemId')
        return (parsed) => this.layout.frontier.retry(run, item, parsed)
      },
      RetryOptionsSchema,
    )
  requeueFailedFrontierItems: StorageBackend['requeueFailedFrontierItems'] = (runId, options) =>
    call('requeueFailedFrontierItems', options, () => {
      const run = id(runId, 'runId')
      return () => this.layout.frontier.requeueFailed(run)
    })

  initialize: StorageBackend['initialize'] = (options) =>
    call('initialize', options, () => async () => {
      await initializeTables(this.layout.transport, this.layout.tables)
    })
  healthReport: StorageBackend['healthReport'] = async (options) => {
    const names = this.layout.tables.definitions.map((d) => d.TableName!)
    const parsed = CallOptionsSchema.safeParse(options ?? {})
    const refused = parsed.success ? undefined : refusal(() => validate(CallOptionsSchema, options))
    const signal = parsed.success ? parsed.data.signal : undefined
    // Never throws: invalid options and an aborted signal are reported as `ok: false` with `error`.
    const aborted = signal?.aborted
      ? new AbortError('healthReport: aborted', { cause: signal.reason })
      : undefined
    return withSignal(signal, () =>
      healthOf(
        this.layout.transport,
        this.layout.config,
        names,
        names[0]!,
        refused ?? aborted,
        Object.fromEntries(
          this.layout.tables.definitions.map((d) => [
            d.TableName!,
            (d.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName!),
          ]),
        ),
      ),
    )
  }
  healthCheck: StorageBackend['healthCheck'] = async (options) => (await this.healthReport(options)).ok
  close: StorageBackend['close'] = () => this.layout.transport.close()
  metrics = (): RequestMetrics => this.layout.transport.metrics.snapshot()
}

function refusal(parse: () => unknown): Error | undefined {
  try {
    parse()
    return undefined
  } catch (error) {
    return error as Error
  }
}

/**
 * A bulk call's input, parsed one item at a time so that nothing holds a parsed copy of the whole
 * input. An array is given as an iterable that parses each item as it is read (a bad one throws
 * the ValidationError of the whole array, every offending path named); the stores read it twice,
 * checking every item's write before writing any. An `AsyncIterable` is parsed item by item as it
 * is read, a bad item a ValidationError naming `label.<index>`.
 */
function bulkInput<S extends z.ZodType>(
  schema: S,
  arraySchema: z.ZodType,
  input: unknown,
  label: string,
): BulkSource<z.output<S>> {
  if (Array.isArray(input)) {
    return {
      *[Symbol.iterator]() {
        for (const item of input) {
          const parsed = schema.safeParse(item)
          if (!parsed.success) validate(arraySchema, input, label)
          yield parsed.data as z.output<S>
        }
      },
    }
  }
  if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) {
    const source = input as AsyncIterable<unknown>
    return {
      async *[Symbol.asyncIterator]() {
        let index = 0
        for await (const item of source) yield validate(schema, item, `${label}.${index++}`)
      },
    }
  }
  throw new ValidationError([{ path: label, message: 'must be an array or an AsyncIterable' }])
}

function id(value: string, label: string): string {
  return validate(IdSchema, value, label)
}

/**
 * One public call: `prepare` parses the arguments (throwing `ValidationError` before any request)
 * and returns the work, which runs with the parsed options under their signal; what it throws
 * leaves as a `StorageError` (an `AbortError` when the signal was aborted).
 */
async function call<S extends z.ZodType, T>(
  operation: string,
  options: unknown,
  prepare: () => (parsed: z.output<S>) => Promise<T>,
  schema: S = CallOptionsSchema as unknown as S,
  required = false,
): Promise<T> {
  let signal: AbortSignal | undefined
  try {
    const parsed = validate(schema, required ? options : (options ?? {}))
    const work = prepare()
    signal = (parsed as { signal?: AbortSignal }).signal
    if (signal?.aborted) throw abortReason(signal)
    return await withSignal(signal, () => work(parsed))
  } catch (error) {
    throw translated(error, operation, signal ?? currentSignal())
  }
}

function translated(error: unknown, operation: string, signal: AbortSignal | undefined): Error {
  if (error instanceof AbortError) return error
  if (signal?.aborted || (error as { name?: string } | undefined)?.name === 'AbortError') {
    return new AbortError(`${operation}: aborted`, { cause: error })
  }
  return toStorageError(error, operation)
}
