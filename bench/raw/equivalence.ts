import { isDeepStrictEqual } from 'node:util'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { Page, StorageBackend } from '../../src/index.js'
import { syntheticPage, syntheticVersion } from '../fixtures/synthetic.js'
import type { EquivalenceCheck } from '../report/types.js'
import type { RawClient } from '../support/raw-client.js'
import { pageAttributes, pageKey, versionItem } from './single-table-keys.js'
import type { RawSingleTable } from './single-table-ops.js'

const TOKEN = Symbol('any write token')

/** A page item as first written: its attributes, revision 1, a write token and an empty pre-image. */
function newPageItem(key: Record<string, unknown>, page: Page): Record<string, unknown> {
  return {
    ...key,
    ...pageAttributes(page).set,
    revision: 1,
    writeToken: TOKEN,
    priorFirstSeen: null,
    priorIsTombstone: false,
  }
}

/** Checks that the raw side writes and reads what the library does; the figures mean little otherwise. */
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
  const rawItem = async (key: Record<string, unknown>) =>
    (await raw.send<{ Item?: Record<string, unknown> }>(new GetCommand({ TableName: table, Key: key }))).Item
  const differences = (actual: Record<string, unknown> | undefined, expected: Record<string, unknown>) => {
    if (!actual) return 'item not found'
    const names = new Set([...Object.keys(actual), ...Object.keys(expected)])
    // A write token is random per save: compare its presence, not its value.
    const same = (name: string) =>
      name === 'writeToken'
        ? typeof actual[name] === 'string' && expected[name] === TOKEN
        : isDeepStrictEqual(actual[name], expected[name])
    const differing = [...names].filter((name) => !same(name))
    return differing.length === 0 ? null : `attributes differ: ${differing.join(', ')}`
  }

  await check('a page the library saves is the item the raw side builds', async () => {
    const page = syntheticPage('equivalence', 1)
    await backend.savePage(page)
    const key = pageKey(page.siteId, page.pageId)
    return differences(await rawItem(key), newPageItem(key, page))
  })
  await check('a tombstone page the library saves is the item the raw side builds', async () => {
    const page = syntheticPage('equivalence', 7)
    await backend.savePage(page)
    const key = pageKey(page.siteId, page.pageId)
    return differences(await rawItem(key), newPageItem(key, page))
  })
  await check('a page the raw side saves reads back through the library, counted', async () => {
    const page = syntheticPage('equivalence-raw', 2)
    const before = await backend.countPages(page.siteId)
    await ops.savePage(page)
    const read = await backend.getPage(page.siteId, page.pageId)
    const after = await backend.countPages(page.siteId)
    const key = pageKey(page.siteId, page.pageId)
    const itemProblem = differences(await rawItem(key), newPageItem(key, page))
    if (itemProblem) return `raw item: ${itemProblem}`
    if (!isDeepStrictEqual(read, { ...page, revision: 1 })) return 'getPage differs'
    return after === before + 1 ? null : `countPages ${before} -> ${after}`
  })
  await check('a version the library commits is the item the raw side builds', async () => {
    const page = syntheticPage('equivalence', 3)
    const version = syntheticVersion(page, runs.library, 'e1')
    await backend.commitVersion(page, version)
    const expected = versionItem(version)
    return differences(await rawItem({ pk: expected.pk, sk: expected.sk }), expected)
  })
  await check('a raw commit is the current version the library reads', async () => {
    const page = syntheticPage('equivalence-raw', 4)
    const version = syntheticVersion(page, runs.raw, 'e2')
    await ops.commitVersion(page, version)
    const current = await backend.getCurrentVersion(page.pageId)
    const read = await backend.getPage(page.siteId, page.pageId)
    if (!isDeepStrictEqual(current, version)) return 'getCurrentVersion differs'
    return read?.currentVersionId === version.versionId ? null : 'page does not point at the version'
  })
  await check('raw get, URL lookup and list return what the library returns', async () => {
    const [libraryList, rawList] = await Promise.all([
      backend.listPages(site, { limit: 100 }),
      ops.listLivePages(site, 100),
    ])
    const libraryIds = libraryList.items.map((p) => p.pageId)
    const rawIds = rawList.items.map((item) => item.pageId)
    if (!isDeepStrictEqual(libraryIds, rawIds)) return 'listPages and the raw Query differ'
    const first = libraryList.items[0]!
    const byUrl = await ops.pageByUrl(site, first.url)
    const got = await ops.getPage(site, first.pageId)
    return byUrl?.pageId === first.pageId && got?.pageId === first.pageId ? null : 'raw lookups differ'
  })
  await check('a raw claim is in progress for its worker, in queue order', async () => {
    const [next] = (await backend.getFrontierItems(runs.raw, { status: 'pending', limit: 1 })).items
    const claimed = await ops.claimOne(runs.raw, 'worker-check')
    const inProgress = await backend.getFrontierItems(runs.raw, { status: 'in_progress' })
    const item = inProgress.items.find((candidate) => candidate.itemId === claimed?.itemId)
    if (item?.workerId !== 'worker-check') return 'claimed item not in progress for the worker'
    return item.itemId === next?.itemId ? null : 'claimed another item than the next pending one'
  })
  return checks
}
