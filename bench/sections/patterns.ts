import { ACCESS_PATTERNS, type AccessPattern, type PatternFixture } from '../../src/demo/access-patterns.js'
import { type SeedOptions, seedCrawl } from '../../src/demo/seed.js'
import type { RunningEngine } from '../engines.js'
import type { LayoutName } from '../layouts.js'
import { type CrawlData, exportCrawl } from '../reference/export.js'
import type { DataSize, OneShotCost, PatternRow, PatternsResult } from '../report/types.js'
import { costOf, type Metered } from '../support/cost.js'
import { dropTables } from '../support/drop-tables.js'
import { openMetered } from '../support/metered-backend.js'
import { summarize, timed } from '../support/stats.js'

/** The seeded crawl of the access patterns: seedCrawl's defaults, `pages` and `frontierUrls` as asked. */
export function seedOptions(pages: number, frontierUrls: number): Required<Omit<SeedOptions, 'onProgress'>> {
  return { sites: 3, pages, versionsPerPage: 2, frontierUrls, workers: 4 }
}

/** What seedCrawl writes for `options` (its rules: every tenth page never crawled, so without versions). */
export function seededDataSize(options: Required<Omit<SeedOptions, 'onProgress'>>): DataSize {
  const perSite = Math.round(options.pages / options.sites)
  const crawledPerSite = perSite - Math.floor(perSite / 10)
  return {
    sites: options.sites,
    runs: options.sites * 3,
    pages: perSite * options.sites,
    versions: crawledPerSite * options.versionsPerPage * options.sites,
    frontierItems: options.frontierUrls,
  }
}

/** The site deleteSite removes at the end: the last seeded one (the patterns read site-0). */
export const DELETED_SITE = 'site-2'

export interface PatternsOutcome {
  result: PatternsResult | null
  skipped?: string
  /** The seeded data as read back through the API right after seeding, when asked for. */
  exported?: CrawlData
  fixture?: PatternFixture
}

/**
 * Seeds a crawl on fresh tables of `layout` and runs every access pattern: one untimed call for
 * its cost (requests, capacity, items read and returned), then `repetitions` timed calls. Last,
 * deleteSite of one site, once.
 */
export async function runPatterns(
  engine: RunningEngine,
  layout: LayoutName,
  options: {
    pages: number
    frontierUrls: number
    repetitions: number
    exportData: boolean
    log: (line: string) => void
  },
): Promise<PatternsOutcome> {
  const opened = await openMetered(engine.endpoint, layout, 'patterns')
  if ('skipped' in opened) return { result: null, skipped: opened.skipped }
  try {
    const seed = seedOptions(options.pages, options.frontierUrls)
    const seeding = await timed(() => seedCrawl(opened.backend, seed))
    options.log(`seeded ${seed.pages} pages in ${(seeding.ms / 1000).toFixed(1)} s`)
    const fixture = seeding.value
    const exported = options.exportData ? await exportCrawl(opened.backend) : undefined
    const rows: PatternRow[] = []
    for (const pattern of ACCESS_PATTERNS) {
      rows.push(await measureRow(opened, layout, pattern, fixture, options.repetitions))
    }
    const deleted = await costOf(opened, () => opened.backend.deleteSite(DELETED_SITE))
    const deleteSite: OneShotCost & { siteId: string } = {
      siteId: DELETED_SITE,
      ...deleted.cost,
      result: `${deleted.value.items} records deleted`,
      ms: deleted.ms,
    }
    return {
      result: {
        engine: engine.name,
        engineLabel: engine.label,
        layout,
        measuredAt: new Date().toISOString(),
        data: seededDataSize(seed),
        rows,
        deleteSite,
      },
      ...(exported ? { exported } : {}),
      fixture,
    }
  } finally {
    await opened.close()
    await dropTables(engine.endpoint, opened.tablePrefix)
  }
}

async function measureRow(
  source: Metered & { backend: Parameters<AccessPattern['run']>[0] },
  layout: LayoutName,
  pattern: AccessPattern,
  fixture: PatternFixture,
  repetitions: number,
): Promise<PatternRow> {
  const call = async () => {
    const prepared = (await pattern.prepare?.(source.backend, fixture)) ?? {}
    return costOf(source, () => pattern.run(source.backend, fixture, prepared))
  }
  const first = await call()
  const samples: number[] = []
  for (let i = 0; i < repetitions; i++) samples.push((await call()).ms)
  return {
    row: pattern.row,
    name: pattern.name,
    keyOrIndex: layout === 'multi-table' ? pattern.multiTable : pattern.keyOrIndex,
    ...first.cost,
    result: first.value,
    latency: summarize(samples),
  }
}
