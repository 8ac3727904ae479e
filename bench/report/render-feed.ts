import { date, int, num, table } from './format.js'
import type { BenchResults } from './types.js'

export function renderFeed(results: BenchResults): string {
  const label = (engine: string) => results.engines.find((e) => e.name === engine)?.label ?? engine
  const feed = results.feed ?? []
  const parts = [
    '## 7. Change feed: one indexer sync',
    '',
    "One sync of an indexer after a recrawl that changed `changes` pages (savePagesBulk of new contentHashes), in sites of each size: by the change feed (`listPageChanges` from the previous sync's cursor until a call returns fewer than its limit of 1,000: caught up) and, side by side, by listing the whole site with tombstones (`listPages`, limit 1,000) and comparing every hash. The feed's requests, RCU and items read follow the number of changes; the listing's follow the site size. Engine as named (dynalite counts no index write units and reports RCU from item sizes; DynamoDB Local where measured); seeding by `savePagesBulk` of synthetic pages, then the default `changeFeedDelaySeconds` (5) waited out.",
    '',
  ]
  if (feed.length === 0) return [...parts, '_Not measured in this run._', ''].join('\n')
  parts.push(
    table(
      [
        'engine',
        'layout',
        'site pages',
        'changes',
        'feed requests',
        'feed RCU',
        'feed items read',
        'listing requests',
        'listing RCU',
        'listing items read',
        'listing ÷ feed (requests)',
        'listing ÷ feed (RCU)',
        'measured',
      ],
      feed.flatMap((result) =>
        result.rows.map((r) => [
          label(result.engine),
          result.layout,
          int(r.sitePages),
          int(result.changes),
          int(r.feed.requests),
          num(r.feed.rcu, 1),
          int(r.feed.itemsRead),
          int(r.listing.requests),
          num(r.listing.rcu, 1),
          int(r.listing.itemsRead),
          `${num(r.requestRatio, 1)}×`,
          `${num(r.rcuRatio, 1)}×`,
          date(result.measuredAt),
        ]),
      ),
    ),
    '',
  )
  return parts.join('\n')
}
