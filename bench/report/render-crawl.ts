import { homeShards } from '../sections/crawl.js'
import { caption, int, num, table } from './format.js'
import type { BenchResults, CrawlOutcome, CrawlResult } from './types.js'

const OUTCOMES: CrawlOutcome[] = ['unchanged', 'changed', 'new']

function crawlTables(result: CrawlResult, node: string): string {
  const urls = result.rows[0]?.urls ?? 0
  const shards = (r: { frontierShards?: number }) => String(r.frontierShards ?? 1)
  const sharded = result.rows.filter((r) => (r.frontierShards ?? 1) > 1)
  const summary = result.rows.map((r) => [
    String(r.workers),
    shards(r),
    int(r.outcomes.new.pages + r.outcomes.changed.pages + r.outcomes.unchanged.pages),
    num(r.seconds, 1),
    int(r.pagesPerSec),
    num(r.requestsPerPage, 2),
    num(r.rcuPerPage, 2),
    num(r.wcuPerPage, 2),
    `${num(r.requestsPerPageFirst, 1)} → ${num(r.requestsPerPageLast, 1)}`,
    int(r.emptyClaims),
    r.stopped ? `**stopped**: ${r.stopped}` : 'queue emptied',
  ])
  const outcomes = result.rows.flatMap((r) =>
    OUTCOMES.map((o) => {
      const c = r.outcomes[o]
      return [
        String(r.workers),
        shards(r),
        o,
        int(c.pages),
        num(c.requestsPerPage, 2),
        num(c.rcuPerPage, 2),
        num(c.wcuPerPage, 2),
        num(c.versionWritesPerPage, 2),
      ]
    }),
  )
  const v = result.versionCheck
  const mix = OUTCOMES.map((o) => `${Math.round(result.mix[o] * 100)}% ${o}`).join(', ')
  return [
    `### ${result.engine} · ${result.layout}`,
    '',
    caption(
      result,
      node,
      `${int(urls)} URLs per simulation (${mix}); the known pages seeded once and shared, a fresh run and frontier per simulation`,
    ),
    `_Per page: claim (limit ${result.claimLimit}) → getPage → commitVersion if the content changed or the page is new, else savePage touching lastCrawled (both conditional on the page revision) → updateFrontierStatus completed. Each worker has its own backend and client. Costs per page include its claim; claims that found nothing (end of queue, lost races) are counted apart. With one frontier shard every worker claims from the head of one queue partition (strict priority order) and concurrent workers race for the same items; with more shards each worker claims first from its home shard (a hash of its workerId) and moves to the next shard when that one is empty${sharded.length > 0 ? ` — ${sharded.map((r) => `${r.workers} workers have ${homeShards(r.workers, r.frontierShards!)} distinct home shards among ${r.frontierShards}`).join('; ')}, so some still share one` : ''}. ${result.engine === 'dynalite' ? 'Workers and dynalite share one Node thread here, so more workers cannot add throughput (the CPU of that thread is the ceiling); against DynamoDB, where each call mostly waits on the network, workers overlap those waits.' : 'The bench process and DynamoDB Local share two cores.'}_`,
    '',
    table(
      [
        'workers',
        'frontier shards',
        'pages',
        'seconds',
        'pages/s',
        'requests/page',
        'RCU/page',
        'WCU/page',
        'requests/page, first → last 100 pages',
        'empty claims',
        'end',
      ],
      summary,
    ),
    '',
    table(
      [
        'workers',
        'frontier shards',
        'outcome',
        'pages',
        'requests/page',
        'RCU/page',
        'WCU/page',
        'PutItem (version writes)/page',
      ],
      outcomes,
    ),
    '',
    `Versions read back after the simulations (listVersions): ${v.unchangedWithVersions} of ${v.unchangedChecked} unchanged pages have any version (seeded without; 0 means no version write for unchanged content); ${v.changedChecked > 0 ? `${v.changedWithWrongCount} of ${v.changedChecked} changed pages lack one version per simulation.` : 'changed pages not checked (a simulation stopped early).'}`,
  ].join('\n')
}

export function renderCrawl(results: BenchResults): string {
  const parts = ['## 4. Crawl simulation', '']
  if (results.crawl.length === 0) parts.push('_Not measured in this run._')
  for (const result of results.crawl) parts.push(crawlTables(result, results.node), '')
  return parts.join('\n')
}
