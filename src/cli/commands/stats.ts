import type { Command } from 'commander'
import type { CrawlRun, Site } from '../../model/schemas.js'
import { addLayoutCommandOptions, type LayoutCommandOptions, withBackend } from '../options.js'
import { type CliIO, failure, formatCount, printJson, printRows } from '../output.js'

type StatsOptions = LayoutCommandOptions & { site: string }

export interface SiteStats {
  site: Site
  pages: { live: number; withTombstones: number }
  latestRun: CrawlRun | null
  /** Runs on the first page of `listRuns` (up to 100); `more` when further pages exist. */
  runs: { count: number; more: boolean }
}

export function registerStats(program: Command, io: CliIO): Command {
  const command = program
    .command('stats')
    .description("a site's page counts, latest run and number of runs")
    .requiredOption('--site <id>', 'the site id')
  return addLayoutCommandOptions(command, 'the stats')
    .addHelpText(
      'after',
      `
Exit codes: 0 found, 1 no such site (or the tables cannot be read), 2 bad usage.

Example:
  $ ragcrawl-dynamodb stats --site docs-example-com --prefix prod_ --region eu-west-1`,
    )
    .action(async (options: StatsOptions) => {
      await withBackend(options, async (backend) => {
        const site = await backend.getSite(options.site)
        if (!site) throw failure(`site ${JSON.stringify(options.site)} not found`)
        const [live, withTombstones, latestRun, runs] = await Promise.all([
          backend.countPages(site.siteId),
          backend.countPages(site.siteId, { includeTombstones: true }),
          backend.getLatestRun(site.siteId),
          backend.listRuns(site.siteId),
        ])
        const stats: SiteStats = {
          site,
          pages: { live, withTombstones },
          latestRun,
          runs: { count: runs.items.length, more: runs.cursor !== null },
        }
        if (options.json) printJson(io, stats)
        else printStats(io, stats)
      })
    })
}

function printStats(io: CliIO, { site, pages, latestRun, runs }: SiteStats): void {
  const run = latestRun
    ? [
        latestRun.runId,
        latestRun.status,
        `created ${latestRun.createdAt.toISOString()}`,
        ...(latestRun.completedAt ? [`completed ${latestRun.completedAt.toISOString()}`] : []),
        `${formatCount(latestRun.stats.pagesCrawled)} pages crawled`,
      ].join(', ')
    : 'none'
  printRows(io, [
    ['site', `${site.siteId} (${site.name}), created ${site.createdAt.toISOString()}`],
    ['pages', `${formatCount(pages.live)} live, ${formatCount(pages.withTombstones)} with tombstones`],
    ['latest run', run],
    ['runs', `${formatCount(runs.count)}${runs.more ? '+ (first page; more exist)' : ''}`],
  ])
}
