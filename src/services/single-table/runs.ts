import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, CrawlRunSchema } from '../../model/schemas.js'
import { type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from './context.js'
import { readOwned } from './sites.js'

/** Runs: by id alone (GetItem), a site's runs newest first and its latest run (gsi2). */
export class SingleTableRuns {
  constructor(private readonly ctx: SingleTableContext) {}

  async save(run: CrawlRun): Promise<CrawlRun> {
    await this.ctx.entities.run
      .put({ ...toStored(run), runKey: keyPart(run.runId), siteKey: keyPart(run.siteId) })
      .go(ORIGINAL_ERRORS)
    return run
  }

  async get(id: string): Promise<CrawlRun | null> {
    const { data } = await this.ctx.entities.run.get({ runKey: keyPart(id) }).go(ORIGINAL_ERRORS)
    return data ? fromStored(CrawlRunSchema, data, 'run') : null
  }

  list(id: string, options?: ListOptions): Promise<ListResult<CrawlRun>> {
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

  async latest(id: string): Promise<CrawlRun | null> {
    const { data } = await this.ctx.entities.run.query
      .bySite({ siteKey: keyPart(id) })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: 1, pages: 1 })
    const [latest] = data
    return latest ? fromStored(CrawlRunSchema, latest, 'run') : null
  }
}
