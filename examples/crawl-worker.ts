// The README's worker example: a small crawl with processFrontier. test/unit/readme.unit.test.ts
// runs it. Start it in as many processes as you like (each its own workerId): they share the run.
import { createStorageBackend, frontierItemIdFor, newRunId, processFrontier, urlHashFor } from 'ragcrawl-dynamodb'

/** Fetches a page and returns its links; a throw (HTTP 500, a timeout) retries the URL later. */
export type FetchLinks = (url: string, signal: AbortSignal) => Promise<string[]>

export async function crawl(endpointUrl: string, seed: string, fetchLinks: FetchLinks, politenessMs = 1_000) {
  const backend = createStorageBackend({
    backend: { endpointUrl, frontierMaxRetries: 3, frontierRetryDelaySeconds: 1 },
  })
  await backend.initialize()
  const runId = newRunId()
  const entry = (url: string, depth: number) => ({
    itemId: frontierItemIdFor(runId, url), // the same URL twice in a run is one item
    runId,
    siteId: 'docs',
    url,
    normalizedUrl: url,
    urlHash: urlHashFor(url),
    depth,
    domain: new URL(url).hostname,
  })
  try {
    await backend.enqueueFrontierItems([entry(seed, 0)])
    // Claims, renews each lease while its page is handled, completes it, or retries it on a
    // throw (backoff, then `failed`); returns when nothing is pending or in progress.
    return await processFrontier(
      backend,
      runId,
      async (item, { signal }) => {
        const links = await fetchLinks(item.url, signal)
        if (item.depth < 2) await backend.enqueueFrontierItems(links.map((link) => entry(link, item.depth + 1)))
      },
      {
        workerId: `worker-${process.pid}`,
        concurrency: 8,
        leaseSeconds: 60,
        domainIntervalMs: politenessMs, // per domain, across every worker and process
        signal: AbortSignal.timeout(60 * 60_000), // or your shutdown signal
      },
    )
  } finally {
    await backend.close()
  }
}
