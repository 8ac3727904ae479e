import type { Page, StorageBackend } from '../../src/index.js'
import type { RunningEngine } from '../engines.js'
import { syntheticPage } from '../fixtures/synthetic.js'
import type { LayoutName } from '../layouts.js'
import type { FeedResult, FeedRow } from '../report/types.js'
import { costOf } from '../support/cost.js'
import { dropTables } from '../support/drop-tables.js'
import { type MeteredBackend, openMetered } from '../support/metered-backend.js'

/** The backend's default changeFeedDelaySeconds (5) and a little more: how long a change waits. */
const FEED_DELAY_MS = 5_300
const SEED_BATCH = 1_000
const SYNC_LIMIT = 1_000

export interface FeedOptions {
  sitePages: number[]
  changes: number
  log: (line: string) => void
}

/**
 * One indexer sync of `changes` changed pages in sites of each size, two ways: following the
 * change feed from the cursor of the previous sync, and listing the whole site (with tombstones)
 * to compare every page's contentHash against the indexer's copy. Requests, RCU and items read of
 * the feed should follow the number of changes, those of the listing the site's size.
 */
export async function runFeed(
  engine: RunningEngine,
  layout: LayoutName,
  options: FeedOptions,
): Promise<{ result: FeedResult | null; skipped?: string }> {
  const opened = await openMetered(engine.endpoint, layout, 'feed')
  if ('skipped' in opened) return { result: null, skipped: opened.skipped }
  const rows: FeedRow[] = []
  try {
    for (const sitePages of options.sitePages) {
      rows.push(await measureSize(opened, sitePages, options))
      options.log(`${layout}: ${sitePages} pages done`)
    }
  } finally {
    await opened.close()
    await dropTables(engine.endpoint, opened.tablePrefix)
  }
  return {
    result: {
      engine: engine.name,
      layout,
      measuredAt: new Date().toISOString(),
      changes: options.changes,
      rows,
    },
  }
}

async function measureSize(
  opened: MeteredBackend,
  sitePages: number,
  options: FeedOptions,
): Promise<FeedRow> {
  const { backend } = opened
  const siteId = `feed-${sitePages}-${Date.now().toString(36)}`
  await backend.saveSite({ siteId, name: `feed ${sitePages}`, seeds: [] })
  const now = Date.now()
  for (let from = 0; from < sitePages; from += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, sitePages - from) }, (_, i) =>
      syntheticPage(siteId, from + i, now),
    )
    await backend.savePagesBulk(batch)
  }
  await sleep(FEED_DELAY_MS)
  // The first load: the indexer's copy of every hash, and the cursor it keeps.
  const known = new Map<string, string | null>()
  const { cursor: loaded, firstLoad } = await sync(backend, siteId, null, known)
  if (firstLoad !== sitePages) throw new Error(`first load delivered ${firstLoad} of ${sitePages} pages`)

  const changed: Page[] = []
  for (let i = 0; changed.length < options.changes; i += Math.floor(sitePages / options.changes)) {
    const page = await backend.getPage(siteId, syntheticPage(siteId, i, now).pageId)
    if (page) changed.push({ ...page, contentHash: `${page.contentHash ?? 'h'}-changed` })
  }
  await backend.savePagesBulk(changed)
  await sleep(FEED_DELAY_MS)

  const byListing = new Map(known)
  const feed = await costOf(opened, () => sync(backend, siteId, loaded, known))
  const listing = await costOf(opened, () => listingSync(backend, siteId, byListing))
  if (feed.value.firstLoad !== options.changes || listing.value !== options.changes) {
    throw new Error(
      `sync found ${feed.value.firstLoad} (feed) and ${listing.value} (listing) of ${options.changes} changes`,
    )
  }
  return {
    sitePages,
    feed: feed.cost,
    listing: listing.cost,
    feedMs: feed.ms,
    listingMs: listing.ms,
    requestRatio: listing.cost.requests / feed.cost.requests,
    rcuRatio: listing.cost.rcu / feed.cost.rcu,
  }
}

/**
 * Follows the feed from `cursor` until caught up (a call returning fewer than its limit: its cursor
 * is then at now − delay), updating the copy; returns the changes seen.
 */
async function sync(
  backend: StorageBackend,
  siteId: string,
  cursor: string | null,
  known: Map<string, string | null>,
): Promise<{ cursor: string; firstLoad: number }> {
  let seen = 0
  for (;;) {
    const page = await backend.listPageChanges(siteId, { cursor, limit: SYNC_LIMIT })
    for (const { page: p } of page.items) known.set(p.pageId, p.contentHash ?? null)
    seen += page.items.length
    cursor = page.cursor
    if (page.items.length < SYNC_LIMIT) return { cursor, firstLoad: seen }
  }
}

/** The same sync without the feed: list the whole site and compare each hash. */
async function listingSync(
  backend: StorageBackend,
  siteId: string,
  known: Map<string, string | null>,
): Promise<number> {
  let changes = 0
  let cursor: string | null = null
  do {
    const page: { items: Page[]; cursor: string | null } = await backend.listPages(siteId, {
      cursor,
      limit: 1_000,
      includeTombstones: true,
    })
    for (const p of page.items) {
      if (known.get(p.pageId) !== (p.contentHash ?? null)) changes++
      known.set(p.pageId, p.contentHash ?? null)
    }
    cursor = page.cursor
  } while (cursor !== null)
  return changes
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
