import type {
  CrawlRun,
  FrontierItem,
  ListResult,
  Page,
  PageVersion,
  Site,
  StorageBackend,
} from '../../src/index.js'
import { inLanes } from '../support/concurrency.js'

/** Every logical record of a backend, read back through the public API (layout-independent). */
export interface CrawlData {
  sites: Site[]
  runs: CrawlRun[]
  pages: Page[]
  versions: PageVersion[]
  frontier: FrontierItem[]
}

async function all<T>(list: (cursor: string | null) => Promise<ListResult<T>>): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  do {
    const page: ListResult<T> = await list(cursor)
    items.push(...page.items)
    cursor = page.cursor
  } while (cursor)
  return items
}

/** Reads every site, run, page (tombstones included), version and frontier item of `backend`. */
export async function exportCrawl(backend: StorageBackend): Promise<CrawlData> {
  const limit = 1_000
  const sites = await all((cursor) => backend.listSites({ limit, cursor }))
  const runs: CrawlRun[] = []
  const pages: Page[] = []
  for (const site of sites) {
    runs.push(...(await all((cursor) => backend.listRuns(site.siteId, { limit, cursor }))))
    pages.push(
      ...(await all((cursor) => backend.listPages(site.siteId, { limit, cursor, includeTombstones: true }))),
    )
  }
  const versions = (
    await inLanes(pages, 8, (page) => all((cursor) => backend.listVersions(page.pageId, { limit, cursor })))
  ).flat()
  const frontier = (
    await inLanes(runs, 4, (run) => all((cursor) => backend.getFrontierItems(run.runId, { limit, cursor })))
  ).flat()
  return { sites, runs, pages, versions, frontier }
}
