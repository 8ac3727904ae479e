import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, CrawlRunSchema } from '../../model/schemas.js'
import { readOwned, toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import type { RunAdapter } from './adapter.js'

const toRun = (item: unknown): CrawlRun => fromStored(CrawlRunSchema, item, 'run')

/** Runs in the single table: by id (GetItem), a site's runs through gsi2. */
export function singleTableRuns(ctx: SingleTableContext): RunAdapter {
  const run = ctx.entities.run
  return {
    transport: ctx.transport,
    async put(value) {
      await run
        .put({ ...toStored(value), runKey: keyPart(value.runId), siteKey: keyPart(value.siteId) })
        .go(ORIGINAL_ERRORS)
    },
    async get(runId) {
      const { data } = await run.get({ runKey: keyPart(runId) }).go(ORIGINAL_ERRORS)
      return data ? toRun(data) : null
    },
    bySite: (siteId) => ({
      input: run.query.bySite({ siteKey: keyPart(siteId) }).params({ order: 'desc' }),
      keyAttributes: KEYS.gsi2,
      read: (raw) => readOwned(run, raw, toRun),
    }),
    async latest(siteId) {
      const { data } = await run.query
        .bySite({ siteKey: keyPart(siteId) })
        .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 1, pages: 1 })
      const [latest] = data
      return latest ? toRun(latest) : null
    },
  }
}
