import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { formatItem } from '../../entities/format-item.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, CrawlRunSchema } from '../../model/schemas.js'
import type { RunStore } from '../layout.js'
import { type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import { camelKeys, snakeKeys, toStored } from '../plumbing/stored.js'
import type { MultiTableContext } from './context.js'

const BY_SITE_KEYS = ['site_id', 'run_id', 'created_at'] as const

/** Runs in `{prefix}runs`: by id through the documented `run_id` GSI, newest first through the added one. */
export class MultiTableRuns implements RunStore {
  constructor(private readonly ctx: MultiTableContext) {}

  async save(run: CrawlRun): Promise<CrawlRun> {
    await this.ctx.entities.run
      .put({ ...toStored(run), stats: snakeKeys(run.stats) })
      .go({ ...ORIGINAL_ERRORS, response: 'none' })
    return run
  }

  async get(runId: string): Promise<CrawlRun | null> {
    const id = runId
    const { data } = await this.ctx.entities.run.query
      .byRun({ runId: id })
      .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true, pages: 1 })
    const [run] = data
    return run ? toRun(run) : null
  }

  list(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>> {
    const id = siteId
    const run = this.ctx.entities.run
    return queryPage(
      this.ctx.transport,
      {
        input: run.query.bySite({ siteId: id }).params({ order: 'desc' }),
        keyAttributes: BY_SITE_KEYS,
        read: (raw) => {
          const item = formatItem(run, raw)
          return item && toRun(item)
        },
      },
      options,
    )
  }

  async latest(siteId: string): Promise<CrawlRun | null> {
    const id = siteId
    const { data } = await this.ctx.entities.run.query
      .bySite({ siteId: id })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 1, pages: 1, ignoreOwnership: true })
    const [latest] = data
    return latest ? toRun(latest) : null
  }
}

/** A stored run of the documented layout, whose nested `stats` keys are snake_case too. */
export function toRun(item: { stats?: unknown }): CrawlRun {
  return fromStored(CrawlRunSchema, { ...item, stats: camelKeys(item.stats) }, 'run')
}
