import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, CrawlRunSchema } from '../../model/schemas.js'
import type { MultiTableContext } from '../multi-table/context.js'
import { camelKeys, readOwned, snakeKeys, toStored } from '../plumbing/stored.js'
import type { RunAdapter } from './adapter.js'

const BY_SITE_KEYS = ['site_id', 'run_id', 'created_at'] as const

/** Runs in `{prefix}runs`: by id through the documented `run_id` GSI, newest first through the added one. */
export function multiTableRuns(ctx: MultiTableContext): RunAdapter {
  const run = ctx.entities.run
  return {
    transport: ctx.transport,
    async put(value) {
      await run
        .put({ ...toStored(value), stats: snakeKeys(value.stats) })
        .go({ ...ORIGINAL_ERRORS, response: 'none' })
    },
    async get(runId) {
      const { data } = await run.query
        .byRun({ runId })
        .go({ ...ORIGINAL_ERRORS, ignoreOwnership: true, pages: 1 })
      const [found] = data
      return found ? toRun(found) : null
    },
    bySite: (siteId) => ({
      input: run.query.bySite({ siteId }).params({ order: 'desc' }),
      keyAttributes: BY_SITE_KEYS,
      read: (raw) => readOwned(run, raw, (item) => toRun(item as { stats?: unknown })),
    }),
    async latest(siteId) {
      const { data } = await run.query
        .bySite({ siteId })
        .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 1, pages: 1, ignoreOwnership: true })
      const [latest] = data
      return latest ? toRun(latest) : null
    },
  }
}

/** A stored run of the documented layout, whose nested `stats` keys are snake_case too. */
export function toRun(item: { stats?: unknown }): CrawlRun {
  return fromStored(CrawlRunSchema, { ...item, stats: camelKeys(item.stats) }, 'run')
}
