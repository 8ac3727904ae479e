import { isDeepStrictEqual } from 'node:util'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { Page, StorageBackend } from '../../src/index.js'
import { keyPart } from '../../src/keys/key-part.js'
import { earlierTokenNames } from '../../src/services/pages/page-write.js'
import { syntheticPage, syntheticVersion } from '../fixtures/synthetic.js'
import type { EquivalenceCheck } from '../report/types.js'
import type { RawClient } from '../support/raw-client.js'
import { type RequestShape, requestShape } from './request-shape.js'
import {
  frontierKey,
  frontierStatusQuery,
  pageAttributes,
  pageKey,
  versionItem,
} from './single-table-keys.js'
import type { RawSingleTable } from './single-table-ops.js'

type Item = Record<string, unknown>

/** An expected value that is random per write: matched by its shape, not its value. */
class Shaped {
  constructor(
    readonly what: string,
    readonly test: (value: unknown) => boolean,
  ) {}
}

/** A page-save token: 10 random characters and the page's liveness after the save. */
const saveToken = (tombstone: boolean) =>
  new Shaped(`a save token ending in ${tombstone ? 't' : 'l'}`, (value) =>
    new RegExp(`^[A-Za-z0-9_-]{10}${tombstone ? 't' : 'l'}$`).test(String(value)),
  )
/** A frontier write's token (a take, a status update, an enqueue): 10 random characters. */
const FRONTIER_TOKEN = new Shaped('a 10-character token', (value) =>
  /^[A-Za-z0-9_-]{10}$/.test(String(value)),
)
const ISO_TIME = new Shaped('an ISO time', (value) => !Number.isNaN(Date.parse(String(value))))

const EARLIER_SLOTS = earlierTokenNames('writeToken', '')

/**
 * A page item after `saves` saves of `page` (the last one's liveness throughout): its attributes,
 * the revision, the newest token first and one earlier token per earlier save ('-' in slots never
 * used), the pre-image of the last save.
 */
function pageItem(key: Item, page: Page, saves = 1): Item {
  const token = saveToken(page.isTombstone)
  return {
    ...key,
    ...pageAttributes(page).set,
    revision: saves,
    writeToken: token,
    ...Object.fromEntries(EARLIER_SLOTS.map((name, i) => [name, i < saves - 1 ? token : '-'])),
    priorFirstSeen: saves === 1 ? null : page.firstSeen.toISOString(),
    priorIsTombstone: saves === 1 ? false : page.isTombstone,
    // The change feed's marker: the site, and the instant of the change with the page.
    gsi5pk: keyPart(page.siteId),
    gsi5sk: new Shaped('<changedAt ISO>#pageId', (value) =>
      new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z#${page.pageId}$`).test(String(value)),
    ),
  }
}

/** The attributes that differ between a stored item and what was expected, or null. */
function differences(actual: Item | undefined, expected: Item): string | null {
  if (!actual) return 'item not found'
  const names = new Set([...Object.keys(actual), ...Object.keys(expected)])
  const differing = [...names].filter((name) => {
    const want = expected[name]
    return want instanceof Shaped ? !want.test(actual[name]) : !isDeepStrictEqual(actual[name], want)
  })
  if (differing.length === 0) return null
  const show = (value: unknown) => (value instanceof Shaped ? `<${value.what}>` : JSON.stringify(value))
  return `attributes differ: ${differing.map((name) => `${name} (${show(actual[name])}, expected ${show(expected[name])})`).join(', ')}`
}

/** The first difference between two request sequences, or null. */
function requestDifference(library: RequestShape[], raw: RequestShape[]): string | null {
  if (library.length !== raw.length) {
    return `${library.length} library requests (${library.map((r) => r.operation).join(', ')}), ${raw.length} raw (${raw.map((r) => r.operation).join(', ')})`
  }
  for (const [i, shape] of library.entries()) {
    const other = raw[i]!
    const fields = new Set([...Object.keys(shape), ...Object.keys(other)] as (keyof RequestShape)[])
    for (const field of fields) {
      if (isDeepStrictEqual(shape[field], other[field])) continue
      const only = (a: unknown, b: unknown) =>
        Array.isArray(a) && Array.isArray(b) ? a.filter((x) => !b.includes(x)) : a
      return `request ${i + 1} (${shape.operation}) ${field}: library ${JSON.stringify(only(shape[field], other[field]))}, raw ${JSON.stringify(only(other[field], shape[field]))}`
    }
  }
  return null
}

/** The library's request listener (its transport's), which the backend has but its interface does not name. */
type Listen = (listener: (operation: string, input: object) => void) => () => void

function libraryListener(backend: StorageBackend): Listen {
  const transport = (backend as { transport?: { onRequest?: Listen } }).transport
  if (typeof transport?.onRequest !== 'function') {
    throw new Error('the backend exposes no request listener (transport.onRequest)')
  }
  return transport.onRequest.bind(transport)
}

/** The shapes of the requests `work` sends through `listen`. */
async function recorded(listen: Listen, work: () => Promise<unknown>): Promise<RequestShape[]> {
  const shapes: RequestShape[] = []
  const stop = listen((operation, input) => shapes.push(requestShape(operation, input)))
  try {
    await work()
  } finally {
    stop()
  }
  return shapes
}

/**
 * Checks that the raw side writes and reads what the library does, with the same requests
 * (operations, attributes written, conditions, return options); the figures mean little otherwise.
 */
export async function checkEquivalence(
  backend: StorageBackend,
  raw: RawClient,
  ops: RawSingleTable,
  table: string,
  runs: { library: string; raw: string },
  site: string,
): Promise<EquivalenceCheck[]> {
  const checks: EquivalenceCheck[] = []
  const check = async (name: string, test: () => Promise<string | null>) => {
    try {
      const problem = await test()
      checks.push(problem === null ? { name, ok: true } : { name, ok: false, detail: problem })
    } catch (error) {
      checks.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) })
    }
  }
  const rawItem = async (key: Item) =>
    (await raw.send<{ Item?: Item }>(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })))
      .Item
  const stored = (page: Page) => rawItem(pageKey(page.siteId, page.pageId))
  const listenLibrary = libraryListener(backend)
  const listenRaw: Listen = (listener) => raw.onRequest(listener)
  /** The same logical operation on each side: the same requests? */
  const sameRequests = async (library: () => Promise<unknown>, rawWork: () => Promise<unknown>) =>
    requestDifference(await recorded(listenLibrary, library), await recorded(listenRaw, rawWork))

  for (const [what, i] of [
    ['page', 1],
    ['tombstone page', 7],
    ['never-crawled page', 9],
  ] as const) {
    await check(`a ${what} the library saves is the item the raw side builds`, async () => {
      const page = syntheticPage('equivalence', i)
      await backend.savePage(page)
      return differences(await stored(page), pageItem(pageKey(page.siteId, page.pageId), page))
    })
  }
  await check('a page the raw side saves reads back through the library, counted', async () => {
    const page = syntheticPage('equivalence-raw', 2)
    const before = await backend.countPages(page.siteId)
    await ops.savePage(page)
    const read = await backend.getPage(page.siteId, page.pageId)
    const after = await backend.countPages(page.siteId)
    const itemProblem = differences(await stored(page), pageItem(pageKey(page.siteId, page.pageId), page))
    if (itemProblem) return `raw item: ${itemProblem}`
    if (!isDeepStrictEqual(read, { ...page, revision: 1 })) return 'getPage differs'
    return after === before + 1 ? null : `countPages ${before} -> ${after}`
  })
  await check('a page saved twice keeps its earlier token, on either side', async () => {
    const libraryPage = syntheticPage('equivalence-twice', 3)
    const rawPage = syntheticPage('equivalence-twice-raw', 3)
    for (let n = 0; n < 2; n++) {
      await backend.savePage(libraryPage)
      await ops.savePage(rawPage)
    }
    const [libraryItem, rawSaved] = [await stored(libraryPage), await stored(rawPage)]
    const problem =
      differences(libraryItem, pageItem(pageKey(libraryPage.siteId, libraryPage.pageId), libraryPage, 2)) ??
      differences(rawSaved, pageItem(pageKey(rawPage.siteId, rawPage.pageId), rawPage, 2))
    if (problem) return problem
    const distinct = (item: Item | undefined) => item?.writeToken !== item?.writeToken1
    return distinct(libraryItem) && distinct(rawSaved) ? null : 'the two saves wrote the same token'
  })
  await check('a page save, a re-save and a commit send the requests the library sends', async () => {
    const libraryPage = syntheticPage('equivalence-requests', 4)
    const rawPage = syntheticPage('equivalence-requests-raw', 4)
    const problem =
      (await sameRequests(
        () => backend.savePage(libraryPage),
        () => ops.savePage(rawPage),
      )) ??
      (await sameRequests(
        () => backend.savePage({ ...libraryPage, lastSeen: new Date() }),
        () => ops.savePage({ ...rawPage, lastSeen: new Date() }),
      ))
    if (problem) return problem
    const libraryVersion = syntheticVersion(libraryPage, runs.library, 'r1')
    const rawVersion = syntheticVersion(rawPage, runs.raw, 'r1')
    return sameRequests(
      () =>
        backend.commitVersion({ ...libraryPage, currentVersionId: libraryVersion.versionId }, libraryVersion),
      () => ops.commitVersion({ ...rawPage, currentVersionId: rawVersion.versionId }, rawVersion),
    )
  })
  await check('bulk saves send the requests the library sends', async () => {
    const pages = (name: string) => Array.from({ length: 3 }, (_, i) => syntheticPage(name, i))
    const byOperation = (shapes: RequestShape[]) =>
      [...shapes].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    return requestDifference(
      byOperation(await recorded(listenLibrary, () => backend.savePagesBulk(pages('equivalence-bulk')))),
      byOperation(await recorded(listenRaw, () => ops.savePagesBulk(pages('equivalence-bulk-raw')))),
    )
  })
  await check('a version the library commits is the item the raw side builds', async () => {
    const page = syntheticPage('equivalence', 5)
    const version = syntheticVersion(page, runs.library, 'e1')
    await backend.commitVersion(page, version)
    const expected = versionItem(version)
    return differences(await rawItem({ pk: expected.pk, sk: expected.sk }), expected)
  })
  await check('a raw commit is the current version the library reads', async () => {
    const page = syntheticPage('equivalence-raw', 6)
    const version = syntheticVersion(page, runs.raw, 'e2')
    await ops.commitVersion(page, version)
    const current = await backend.getCurrentVersion(page.pageId)
    const read = await backend.getPage(page.siteId, page.pageId)
    if (!isDeepStrictEqual(current, version)) return 'getCurrentVersion differs'
    return read?.currentVersionId === version.versionId ? null : 'page does not point at the version'
  })
  await check(
    'raw get, URL lookup and list return what the library returns, with the same requests',
    async () => {
      const [libraryList, rawList] = await Promise.all([
        backend.listPages(site, { limit: 100 }),
        ops.listLivePages(site, 100),
      ])
      const libraryIds = libraryList.items.map((p) => p.pageId)
      const rawIds = rawList.items.map((item) => item.pageId)
      if (!isDeepStrictEqual(libraryIds, rawIds)) return 'listPages and the raw Query differ'
      if ((libraryList.cursor === null) !== (rawList.cursor === undefined))
        return 'only one side has a cursor'
      const first = libraryList.items[0]!
      const byUrl = await ops.pageByUrl(site, first.url)
      const got = await ops.getPage(site, first.pageId)
      if (byUrl?.pageId !== first.pageId || got?.pageId !== first.pageId) return 'raw lookups differ'
      return (
        (await sameRequests(
          () => backend.listPages(site, { limit: 100 }),
          () => ops.listLivePages(site, 100),
        )) ??
        (await sameRequests(
          () => backend.getPageByUrl(site, first.url),
          () => ops.pageByUrl(site, first.url),
        )) ??
        (await sameRequests(
          () => backend.getPage(site, first.pageId),
          () => ops.getPage(site, first.pageId),
        ))
      )
    },
  )
  await check('a raw claim is in progress for its worker, in queue order', async () => {
    const [next] = (await backend.getFrontierItems(runs.raw, { status: 'pending', limit: 1 })).items
    const claimed = await ops.claimOne(runs.raw, 'worker-check')
    const inProgress = await backend.getFrontierItems(runs.raw, { status: 'in_progress' })
    const item = inProgress.items.find((candidate) => candidate.itemId === claimed?.itemId)
    if (item?.workerId !== 'worker-check') return 'claimed item not in progress for the worker'
    return item.itemId === next?.itemId ? null : 'claimed another item than the next pending one'
  })
  await check('a raw claim writes what a library claim writes, with the same requests', async () => {
    const claims: { library?: string; raw?: string } = {}
    const problem = await sameRequests(
      async () => {
        const [item] = await backend.claimFrontierItems(runs.library, { workerId: 'worker-check', limit: 1 })
        claims.library = item?.itemId
      },
      async () => {
        claims.raw = String((await ops.claimOne(runs.raw, 'worker-check'))?.itemId)
      },
    )
    if (problem) return problem
    if (!claims.library || !claims.raw) return 'a side claimed nothing'
    const taken = (runId: string) => ({
      status: 'in_progress',
      workerId: 'worker-check',
      writeToken: FRONTIER_TOKEN,
      startedAt: ISO_TIME,
      leaseExpiresAt: ISO_TIME,
      gsi1pk: frontierStatusQuery(runId, 'in_progress').pk,
    })
    for (const [runId, itemId] of [
      [runs.library, claims.library],
      [runs.raw, claims.raw],
    ] as const) {
      const item = await rawItem(frontierKey(runId, itemId))
      if (!item) return `claimed item ${itemId} not found`
      const expected = taken(runId)
      const wanted = Object.fromEntries(Object.keys(expected).map((name) => [name, item[name]]))
      const problem = differences(wanted, expected)
      if (problem) return `${runId === runs.raw ? 'raw' : 'library'} claim: ${problem}`
      const lease = Date.parse(String(item.leaseExpiresAt)) - Date.parse(String(item.startedAt))
      if (lease !== 300_000) return `lease of ${lease} ms, not 300 s`
    }
    const [libraryItem, rawClaimed] = [
      await rawItem(frontierKey(runs.library, claims.library)),
      await rawItem(frontierKey(runs.raw, claims.raw)),
    ]
    const names = (item: Item | undefined) => Object.keys(item ?? {}).sort()
    return isDeepStrictEqual(names(libraryItem), names(rawClaimed))
      ? null
      : `attribute names differ: library ${names(libraryItem)}, raw ${names(rawClaimed)}`
  })
  return checks
}
