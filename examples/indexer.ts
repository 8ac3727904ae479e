// A RAG indexer kept in sync with a crawl through the change feed. The "vector index" is a Map of
// pageId → text; a real one would embed the text. test/unit/indexer-example.unit.test.ts runs this.
import {
  createStorageBackend,
  newVersionId,
  type Page,
  pageIdFor,
  paginate,
  type StorageBackend,
} from 'ragcrawl-dynamodb'

type VectorIndex = Map<string, string>

/**
 * One sync: every change since `cursor` — re-embed a changed page, drop a tombstone — and the
 * cursor to keep for next time (persist it only after the index has taken the changes).
 */
export async function syncIndex(
  backend: StorageBackend,
  siteId: string,
  index: VectorIndex,
  cursor: string | null,
): Promise<{ cursor: string; changes: number }> {
  let changes = 0
  for (;;) {
    const page = await backend.listPageChanges(siteId, { cursor, limit: 100 })
    for (const { page: changed } of page.items) {
      const version =
        changed.isTombstone || !changed.currentVersionId
          ? null
          : await backend.getVersion(changed.pageId, changed.currentVersionId)
      if (version) index.set(changed.pageId, version.markdown)
      else index.delete(changed.pageId)
      changes++
    }
    cursor = page.cursor
    if (page.items.length === 0) return { cursor, changes }
  }
}

/** What the index should hold: every live page's current text, read the slow way. */
async function liveTexts(backend: StorageBackend, siteId: string): Promise<VectorIndex> {
  const texts: VectorIndex = new Map()
  for await (const page of paginate((o) => backend.listPages(siteId, { ...o, limit: 100 }))) {
    const version = await backend.getCurrentVersion(page.pageId)
    if (version) texts.set(page.pageId, version.markdown)
  }
  return texts
}

function sameIndex(a: VectorIndex, b: VectorIndex): boolean {
  return a.size === b.size && [...a].every(([id, text]) => b.get(id) === text)
}

/** Crawls a site three times, syncing the index after each: first load, 5% changed + 2% gone, no change. */
export async function main(endpointUrl = 'embedded', pages = 100): Promise<string[]> {
  // One writer in this process, so no clock skew to wait for; keep the default (5 s) in production.
  const backend = createStorageBackend({
    backend: { endpointUrl, tablePrefix: 'indexer_', changeFeedDelaySeconds: 0 },
  })
  await backend.initialize()
  const log: string[] = []
  try {
    const site = await backend.saveSite({ siteId: 'docs', name: 'Docs', seeds: ['https://docs.example/'] })
    const urls = Array.from({ length: pages }, (_, i) => `https://docs.example/page/${i}`)
    const crawl = async (round: number, changed: (i: number) => 'same' | 'new-text' | 'gone') => {
      for (const [i, url] of urls.entries()) {
        const pageId = pageIdFor(site.siteId, url)
        const stored = await backend.getPage(site.siteId, pageId)
        const now = new Date()
        const what = stored ? changed(i) : 'new-text'
        if (stored?.isTombstone) continue
        if (what === 'gone') {
          await backend.savePage({ ...(stored as Page), isTombstone: true, lastCrawled: now })
        } else if (what === 'same') {
          await backend.savePage({ ...(stored as Page), lastCrawled: now, lastSeen: now })
        } else {
          const page = stored ?? { pageId, siteId: site.siteId, url, firstSeen: now, lastSeen: now, depth: 1 }
          const markdown = `# Page ${i}, crawl ${round}`
          const version = {
            versionId: newVersionId(),
            pageId,
            siteId: site.siteId,
            runId: `crawl-${round}`,
            url,
            markdown,
            contentHash: `hash-${i}-${round}`,
            statusCode: 200,
            crawledAt: now,
          }
          await backend.commitVersion({ ...page, contentHash: version.contentHash, lastCrawled: now }, version)
        }
      }
    }

    const index: VectorIndex = new Map()
    let cursor: string | null = null
    const rounds: [string, (i: number) => 'same' | 'new-text' | 'gone'][] = [
      ['first load', () => 'new-text'],
      ['5% changed, 2% gone', (i) => (i % 20 === 3 ? 'new-text' : i % 50 === 7 ? 'gone' : 'same')],
      ['no change', () => 'same'],
    ]
    for (const [round, [label, changed]] of rounds.entries()) {
      await crawl(round + 1, changed)
      const sync = await syncIndex(backend, site.siteId, index, cursor)
      cursor = sync.cursor
      const ok = sameIndex(index, await liveTexts(backend, site.siteId))
      log.push(`crawl ${round + 1} (${label}): ${sync.changes} changes, index ${ok ? 'in sync' : 'WRONG'}`)
    }
    return log
  } finally {
    await backend.close()
  }
}
