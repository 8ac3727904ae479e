import {
  type CrawlRunInput,
  type FrontierItemInput,
  frontierItemIdFor,
  newRunId,
  newVersionId,
  type PageInput,
  type PageVersionInput,
  pageIdFor,
  type SiteInput,
  urlHashFor,
} from '../../src/index.js'

let counter = 0
/** A unique id for one test, so tests sharing tables never see each other's data. */
export const uid = (label = 'id') => `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`

export function site(overrides: Partial<SiteInput> = {}): SiteInput {
  return { siteId: uid('site'), name: 'Example', seeds: ['https://example.com/'], ...overrides }
}

export function run(siteId: string, overrides: Partial<CrawlRunInput> = {}): CrawlRunInput {
  return { runId: newRunId(), siteId, status: 'running', ...overrides }
}

export function page(siteId: string, url: string, overrides: Partial<PageInput> = {}): PageInput {
  const now = new Date('2026-01-01T00:00:00.000Z')
  return {
    pageId: pageIdFor(siteId, url),
    siteId,
    url,
    firstSeen: now,
    lastSeen: now,
    depth: 0,
    ...overrides,
  }
}

export function version(
  p: { pageId: string; siteId: string; url: string },
  overrides: Partial<PageVersionInput> = {},
): PageVersionInput {
  return {
    versionId: newVersionId(),
    pageId: p.pageId,
    siteId: p.siteId,
    runId: 'run-1',
    markdown: `# ${p.url}`,
    contentHash: 'hash',
    url: p.url,
    statusCode: 200,
    crawledAt: new Date('2026-01-02T00:00:00.000Z'),
    ...overrides,
  }
}

export function frontierItem(
  runId: string,
  siteId: string,
  url: string,
  overrides: Partial<FrontierItemInput> = {},
): FrontierItemInput {
  return {
    itemId: frontierItemIdFor(runId, url),
    runId,
    siteId,
    url,
    normalizedUrl: url,
    urlHash: urlHashFor(url),
    depth: 1,
    domain: 'example.com',
    ...overrides,
  }
}

/** Follows cursors to the end and returns every item. */
export async function collectAll<T>(
  list: (cursor: string | null) => Promise<{ items: T[]; cursor: string | null }>,
): Promise<{ items: T[]; pages: number; emptyPagesWithCursor: number }> {
  const items: T[] = []
  let cursor: string | null = null
  let pages = 0
  let emptyPagesWithCursor = 0
  do {
    const page: { items: T[]; cursor: string | null } = await list(cursor)
    pages++
    if (page.items.length === 0 && page.cursor !== null) emptyPagesWithCursor++
    items.push(...page.items)
    cursor = page.cursor
  } while (cursor !== null && pages < 10_000)
  return { items, pages, emptyPagesWithCursor }
}
