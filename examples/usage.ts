// The README's typed usage example. test/unit/readme.unit.test.ts runs this file, and checks the
// README shows it verbatim, so the two cannot drift apart.
import {
  ConflictError,
  createStorageBackend,
  frontierItemIdFor,
  newRunId,
  newVersionId,
  pageIdFor,
  urlHashFor,
} from 'ragcrawl-dynamodb'

export async function main(endpointUrl = 'embedded'): Promise<string[]> {
  const log: string[] = []
  const backend = createStorageBackend({ backend: { endpointUrl, tablePrefix: 'example_' } })
  await backend.initialize()
  try {
    const site = await backend.saveSite({ siteId: 'docs', name: 'Docs', seeds: ['https://docs.example/'] })
    const run = await backend.saveRun({ runId: newRunId(), siteId: site.siteId, status: 'running' })

    // Pages: revision-checked writes, lookups by id and by exact URL.
    const url = 'https://docs.example/Guide'
    const now = new Date()
    const page = await backend.savePage({
      pageId: pageIdFor(site.siteId, url),
      siteId: site.siteId,
      url,
      firstSeen: now,
      lastSeen: now,
      depth: 0,
    })
    try {
      await backend.savePage({ ...page, depth: 1 }, { expectedRevision: page.revision + 1 })
    } catch (error) {
      if (error instanceof ConflictError) log.push(`stale write refused: ${error.code}`)
    }
    const byUrl = await backend.getPageByUrl(site.siteId, url)
    log.push(`page by URL: ${byUrl?.pageId === page.pageId}`)

    // Versions: commit stores the version, then points the page at it.
    const { page: committed } = await backend.commitVersion(page, {
      versionId: newVersionId(),
      pageId: page.pageId,
      siteId: site.siteId,
      runId: run.runId,
      markdown: '# Guide',
      contentHash: 'h1',
      url,
      statusCode: 200,
      crawledAt: now,
    })
    log.push(`current version: ${(await backend.getCurrentVersion(page.pageId))?.versionId === committed.currentVersionId}`)

    // Frontier: deduped enqueue, then claim with a lease.
    const next = 'https://docs.example/next'
    await backend.enqueueFrontierItems([
      {
        itemId: frontierItemIdFor(run.runId, next),
        runId: run.runId,
        siteId: site.siteId,
        url: next,
        normalizedUrl: next,
        urlHash: urlHashFor(next),
        depth: 1,
        domain: 'docs.example',
      },
    ])
    const [claimed] = await backend.claimFrontierItems(run.runId, { workerId: 'worker-1', leaseSeconds: 60 })
    if (claimed) await backend.updateFrontierStatus(run.runId, claimed.itemId, 'completed', { workerId: 'worker-1' })

    // Listings page with cursors until the cursor is null.
    let cursor: string | null = null
    do {
      const result = await backend.listPages(site.siteId, { limit: 50, cursor })
      log.push(`listed ${result.items.length} page(s)`)
      cursor = result.cursor
    } while (cursor)
    log.push(`live pages: ${await backend.countPages(site.siteId)}`)
  } finally {
    await backend.close()
  }
  return log
}
