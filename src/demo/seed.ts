import { frontierItemIdFor, newRunId, newVersionId, pageIdFor, urlHashFor } from '../model/ids.js'
import type { FrontierItemInput, PageInput, PageVersionInput } from '../model/schemas.js'
import type { StorageBackend } from '../services/contract.js'
import type { PatternFixture } from './access-patterns.js'

export interface SeedOptions {
  sites?: number
  pages?: number
  versionsPerPage?: number
  frontierUrls?: number
  workers?: number
  onProgress?: (message: string) => void
}

const HOUR = 3_600_000

/**
 * A synthetic crawl: sites with runs, pages (some tombstoned, some never crawled) with versions,
 * and a frontier worked by concurrent workers. Returns the ids the access patterns read.
 */
export async function seedCrawl(backend: StorageBackend, options: SeedOptions = {}): Promise<PatternFixture> {
  const { sites = 3, pages = 1_000, versionsPerPage = 2, frontierUrls = 300, workers = 4 } = options
  const progress = options.onProgress ?? (() => {})
  const now = Date.now()
  let fixture: PatternFixture | undefined
  let written = 0
  for (let s = 0; s < sites; s++) {
    const siteId = `site-${s}`
    const host = `site${s}.example`
    await backend.saveSite({
      siteId,
      name: `Demo site ${s}`,
      seeds: [`https://${host}/`],
      allowedDomains: [host],
      createdAt: new Date(now - (sites - s) * HOUR),
    })
    const runIds: string[] = []
    for (let r = 0; r < 3; r++) {
      const runId = newRunId()
      runIds.push(runId)
      await backend.saveRun({
        runId,
        siteId,
        status: r < 2 ? 'completed' : 'running',
        createdAt: new Date(now - (3 - r) * HOUR),
        stats: { pagesCrawled: 100 * r, domainsCrawled: [host], statusCodes: { '200': 100 * r } },
      })
    }
    const count = Math.round(pages / sites)
    const pageInputs: PageInput[] = []
    const versionInputs: PageVersionInput[] = []
    for (let p = 0; p < count; p++) {
      const url = `https://${host}/docs/${p}`
      const pageId = pageIdFor(siteId, url)
      const neverCrawled = p % 10 === 9
      let currentVersionId: string | null = null
      if (!neverCrawled) {
        for (let v = 0; v < versionsPerPage; v++) {
          currentVersionId = newVersionId()
          versionInputs.push({
            versionId: currentVersionId,
            pageId,
            siteId,
            runId: runIds[v % runIds.length]!,
            markdown: `# Page ${p}\n\nVersion ${v} of ${url}.\n`,
            contentHash: `h${p}-${v}`,
            url,
            title: `Page ${p}`,
            statusCode: 200,
            crawledAt: new Date(now - (versionsPerPage - v) * HOUR),
            wordCount: 6,
          })
        }
      }
      pageInputs.push({
        pageId,
        siteId,
        url,
        firstSeen: new Date(now - 72 * HOUR),
        lastSeen: new Date(now - HOUR),
        lastCrawled: neverCrawled ? null : new Date(now - (p % 96) * HOUR),
        depth: p % 4,
        currentVersionId,
        isTombstone: p % 20 === 7,
        versionCount: neverCrawled ? 0 : versionsPerPage,
        statusCode: neverCrawled ? null : 200,
      })
    }
    for (let i = 0; i < versionInputs.length; i += 250) {
      written += await backend.saveVersionsBulk(versionInputs.slice(i, i + 250))
      progress(`site ${siteId}: ${Math.min(i + 250, versionInputs.length)}/${versionInputs.length} versions`)
    }
    for (let i = 0; i < pageInputs.length; i += 100) {
      written += await backend.savePagesBulk(pageInputs.slice(i, i + 100))
      progress(`site ${siteId}: ${Math.min(i + 100, pageInputs.length)}/${pageInputs.length} pages`)
    }
    if (s === 0) {
      const first = pageInputs[0]!
      fixture = {
        siteId,
        runId: runIds[2]!,
        pageId: first.pageId,
        url: first.url,
        versionId: String(first.currentVersionId),
      }
    }
  }
  const { siteId, runId } = fixture!
  const frontier: FrontierItemInput[] = Array.from({ length: frontierUrls }, (_, i) => {
    const url = `https://site0.example/queue/${i}`
    return {
      itemId: frontierItemIdFor(runId, url),
      runId,
      siteId,
      url,
      normalizedUrl: url,
      urlHash: urlHashFor(url),
      depth: 1 + (i % 3),
      priority: i % 5,
      domain: 'site0.example',
    }
  })
  const { added } = await backend.enqueueFrontierItems(frontier)
  progress(`frontier: ${added} URLs enqueued; ${workers} workers claiming`)
  const target = Math.floor(frontierUrls * 0.8)
  let done = 0
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (done < target) {
        const claimed = await backend.claimFrontierItems(runId, { workerId: `worker-${w}`, limit: 10 })
        if (claimed.length === 0) return
        for (const item of claimed) {
          await backend.updateFrontierStatus(runId, item.itemId, 'completed', { workerId: `worker-${w}` })
          done++
        }
      }
    }),
  )
  progress(`frontier: ${done} URLs worked by ${workers} workers; ${written} records written in all`)
  return fixture!
}
