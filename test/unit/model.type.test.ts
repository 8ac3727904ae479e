import type { EntityItem } from 'electrodb'
import { describe, expectTypeOf, it } from 'vitest'
import type { FrontierEntity } from '../../src/entities/frontier.js'
import type { PageEntity } from '../../src/entities/page.js'
import type { RunEntity } from '../../src/entities/run.js'
import type { SiteEntity } from '../../src/entities/site.js'
import type { VersionEntity } from '../../src/entities/version.js'
import type { CrawlRun, FrontierItem, Page, PageVersion, Site } from '../../src/model/schemas.js'
import type { Stored } from '../../src/services/plumbing/stored.js'

/** Model fields, stored (Dates as strings, nullable as optional), must be ElectroDB attributes of the same type. */
type Agrees<Model, Item> = Stored<Model> extends Pick<Item, keyof Stored<Model> & keyof Item> ? true : false
type Covers<Model, Item> = Exclude<keyof Stored<Model>, keyof Item>

describe('ElectroDB item types agree with the zod schemas', () => {
  it('site', () => {
    expectTypeOf<Covers<Site, EntityItem<SiteEntity>>>().toEqualTypeOf<never>()
    expectTypeOf<Agrees<Site, EntityItem<SiteEntity>>>().toEqualTypeOf<true>()
  })
  it('run', () => {
    expectTypeOf<Covers<CrawlRun, EntityItem<RunEntity>>>().toEqualTypeOf<never>()
    expectTypeOf<Agrees<CrawlRun, EntityItem<RunEntity>>>().toEqualTypeOf<true>()
  })
  it('page', () => {
    expectTypeOf<Covers<Page, EntityItem<PageEntity>>>().toEqualTypeOf<never>()
    expectTypeOf<Agrees<Page, EntityItem<PageEntity>>>().toEqualTypeOf<true>()
  })
  it('version', () => {
    expectTypeOf<Covers<PageVersion, EntityItem<VersionEntity>>>().toEqualTypeOf<never>()
    expectTypeOf<Agrees<Omit<PageVersion, 'markdown'>, EntityItem<VersionEntity>>>().toEqualTypeOf<true>()
  })
  it('frontier item', () => {
    expectTypeOf<Covers<FrontierItem, EntityItem<FrontierEntity>>>().toEqualTypeOf<never>()
    expectTypeOf<Agrees<FrontierItem, EntityItem<FrontierEntity>>>().toEqualTypeOf<true>()
  })
})
