import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { type FormattableEntity, formatItem } from '../../entities/format-item.js'
import { keyPart } from '../../keys/key-part.js'
import { fromStored } from '../../model/read.js'
import { type CrawlRun, CrawlRunSchema, type Site, SiteSchema } from '../../model/schemas.js'
import { type ListOptions, type ListResult, queryPage } from '../plumbing/listing.js'
import { toStored } from '../plumbing/stored.js'
import { KEYS, type SingleTableContext } from './context.js'

/** Sites: get (GetItem), list newest first (gsi1), and a site with its newest runs (gsi2 collection). */
export class SingleTableSites {
  constructor(private readonly ctx: SingleTableContext) {}

  async save(site: Site): Promise<Site> {
    await this.ctx.entities.site.put({ ...toStored(site), siteKey: keyPart(site.siteId) }).go(ORIGINAL_ERRORS)
    return site
  }

  async get(id: string): Promise<Site | null> {
    const { data } = await this.ctx.entities.site.get({ siteKey: keyPart(id) }).go(ORIGINAL_ERRORS)
    return data ? fromStored(SiteSchema, data, 'site') : null
  }

  list(options?: ListOptions): Promise<ListResult<Site>> {
    const site = this.ctx.entities.site
    return queryPage(
      this.ctx.transport,
      {
        input: site.query.list({}).params({ order: 'desc' }),
        keyAttributes: KEYS.gsi1,
        read: (raw) => readOwned(site, raw, (item) => fromStored(SiteSchema, item, 'site')),
      },
      options,
    )
  }

  async withRuns(id: string, limit: number): Promise<{ site: Site | null; runs: CrawlRun[] }> {
    const { data } = await this.ctx.service.collections
      .siteRuns({ siteKey: keyPart(id) })
      .go({ ...ORIGINAL_ERRORS, order: 'desc', limit: limit + 1, pages: 1 })
    const site = data.site[0]
    return {
      site: site ? fromStored(SiteSchema, site, 'site') : null,
      runs: data.run.slice(0, limit).map((run) => fromStored(CrawlRunSchema, run, 'run')),
    }
  }
}

/** Formats a raw item with its ElectroDB entity (checking ownership), then reads it as a model. */
export function readOwned<T>(
  entity: FormattableEntity,
  raw: Record<string, unknown>,
  toModel: (item: unknown) => T,
): T | undefined {
  const item = formatItem(entity, raw)
  return item === undefined ? undefined : toModel(item)
}
