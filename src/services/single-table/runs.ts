import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { IdSchema } from '../../model/ids.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, type CrawlRunInput, CrawlRunSchema } from '../../model/schemas.js'
import { validate } from '../../model/validate.js'
import { withoutCredentials } from '../shared/credentials.js'
import { type ListOptions, type ListResult, queryPage } from '../shared/listing.js'
import { toStored } from '../shared/stored.js'
import { KEYS, type SingleTableContext } from './context.js'
import { readOwned } from './sites.js'

/** Runs: by id alone (GetItem), a site's runs newest first and its latest run (gsi2). */
export class SingleTableRuns {
  constructor(private readonly ctx: SingleTableContext) {}

  async save(input: CrawlRunInput): Promise<CrawlRun> {
    const run = validate(CrawlRunSchema, input, 'run')
    run.configSnapshot = withoutCredentials(run.configSnapshot)
    await this.ctx.entities.run
      .put({ ...toStored(run), runKey: keyPart(run.runId), siteKey: keyPart(run.siteId) })
      .go(ORIGINAL_ERRORS)
    return run
  }

  async get(runId: string): Promise<CrawlRun | null> {
    const id = validate(IdSchema, runId, 'runId')
    const { data } = await this.ctx.entities.run.get({ runKey: keyPart(id) }).go(ORIGINAL_ERRORS)
    return data ? fromStored(CrawlRunSchema, data, 'run') : null
  }

  list(siteId: string, options?: ListOptions): Promise<ListResult<CrawlRun>> {
    const id = validate(IdSchema, siteId, 'siteId')
    const run = this.ctx.entities.run
    return queryPage(
      this.ctx.transport,
      {
        input: run.query.bySite({ siteKey: keyPart(id) }).params({ order: 'desc' }),
        keyAttributes: KEYS.gsi2,
        read: (raw) => readOwned(run, raw, (item) => fromStored(CrawlRunSchema, item, 'run')),
      },
      options,
    )
  }

  async latest(siteId: string): Promise<CrawlRun | null> {
    const id = validate(IdSchema, siteId, 'siteId')
    const { data } = await this.ctx.entities.run.query
      .bySite({ siteKey: keyPart(id) })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 1, pages: 1 })
    const [latest] = data
    return latest ? fromStored(CrawlRunSchema, latest, 'run') : null
  }
}
