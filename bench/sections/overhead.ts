import type { Page, PageVersion, StorageBackend } from '../../src/index.js'
import type { RunningEngine } from '../engines.js'
import { syntheticFrontier, syntheticPage, syntheticVersion } from '../fixtures/synthetic.js'
import { openBackend } from '../layouts.js'
import type { BenchSizes } from '../options.js'
import { checkEquivalence } from '../raw/equivalence.js'
import { RawSingleTable } from '../raw/single-table-ops.js'
import type { OverheadKey } from '../report/overhead-baseline.js'
import type { OverheadResult, OverheadRow } from '../report/types.js'
import { dropTables } from '../support/drop-tables.js'
import { RawClient } from '../support/raw-client.js'
import { median, timed } from '../support/stats.js'

const SITE = 'overhead'
const SEEDED_PAGES = 300

/** One logical operation done both ways; `i` numbers the calls of a side from 0. */
interface Operation {
  name: string
  key: OverheadKey
  kind: 'point' | 'page'

  library: (i: number) => Promise<unknown>
  raw: (i: number) => Promise<unknown>
}

interface SideRun {
  ms: number
  /** CPU time of this process (user + system) during the run. */
  cpuMs: number
  requests: number
}

/**
 * Library against raw lib-dynamodb on the same engine, table and key design (single-table only:
 * the raw side writes that layout's items by hand). Each operation runs in rounds that alternate
 * which side goes first; a round's ratio pairs the library and raw runs next to each other in
 * time, and the median round ratio is reported, so drift on a shared machine cancels out.
 */
export async function runOverhead(
  engine: RunningEngine,
  sizes: BenchSizes,
  log: (line: string) => void,
): Promise<OverheadResult> {
  const opened = await openBackend(engine.endpoint, 'single-table', { label: 'overhead' })
  if ('skipped' in opened) throw new Error(`single-table layout unavailable: ${opened.skipped}`)
  const { backend, tablePrefix } = opened
  const raw = new RawClient(engine.endpoint)
  const ops = new RawSingleTable(raw, `${tablePrefix}data`)
  try {
    const seeded = Array.from({ length: SEEDED_PAGES }, (_, i) => syntheticPage(SITE, i))
    await backend.savePagesBulk(seeded)
    const callsPerSide = sizes.overheadRounds * sizes.overheadOpsPerRound + 5
    const runs = { library: 'overhead-run-library', raw: 'overhead-run-raw' }
    for (const runId of Object.values(runs)) {
      await backend.enqueueFrontierItems(syntheticFrontier(runId, SITE, callsPerSide + 10))
    }
    const equivalence = await checkEquivalence(backend, raw, ops, `${tablePrefix}data`, runs, SITE)
    const failed = equivalence.filter((check) => !check.ok)
    if (failed.length > 0) log(`raw/library equivalence: ${failed.map((c) => c.name).join(', ')} FAILED`)

    const fresh = (side: string) => (i: number) => syntheticPage(`${SITE}-${side}`, i)
    const libraryPages = Array.from({ length: callsPerSide }, (_, i) => fresh('library')(i))
    const rawPages = Array.from({ length: callsPerSide }, (_, i) => fresh('raw')(i))
    const live = seeded.filter((page) => !page.isTombstone)
    const committed = (i: number): { page: Page; version: PageVersion } => {
      const page = live[i % live.length]!
      const version = syntheticVersion(page, runs.library, `c${i}`)
      return { page: { ...page, currentVersionId: version.versionId, contentHash: `c${i}` }, version }
    }
    const libraryCommits = Array.from({ length: callsPerSide }, (_, i) => committed(i))
    const rawCommits = Array.from({ length: callsPerSide }, (_, i) => committed(i + callsPerSide))

    const operations: Operation[] = [
      {
        name: 'put page (new page: UpdateItem + counter)',
        key: 'put',
        kind: 'point',
        library: (i) => backend.savePage(libraryPages[i]!),
        raw: (i) => ops.savePage(rawPages[i]!),
      },
      {
        name: 'save existing page (UpdateItem)',
        key: 'save',
        kind: 'point',
        library: (i) => backend.savePage({ ...live[i % live.length]!, lastSeen: new Date() }),
        raw: (i) => ops.savePage({ ...live[(i + 7) % live.length]!, lastSeen: new Date() }),
      },
      {
        name: 'get page',
        key: 'get',
        kind: 'point',
        library: (i) => backend.getPage(SITE, seeded[i % SEEDED_PAGES]!.pageId),
        raw: (i) => ops.getPage(SITE, seeded[i % SEEDED_PAGES]!.pageId),
      },
      {
        name: 'page by URL',
        key: 'url',
        kind: 'point',
        library: (i) => backend.getPageByUrl(SITE, seeded[i % SEEDED_PAGES]!.url),
        raw: (i) => ops.pageByUrl(SITE, seeded[i % SEEDED_PAGES]!.url),
      },
      {
        name: 'list 100 pages',
        key: 'list',
        kind: 'page',
        library: () => backend.listPages(SITE, { limit: 100 }),
        raw: () => ops.listLivePages(SITE, 100),
      },
      {
        name: 'commit version (existing page)',
        key: 'commit',
        kind: 'point',
        library: (i) => backend.commitVersion(libraryCommits[i]!.page, libraryCommits[i]!.version),
        raw: (i) => ops.commitVersion(rawCommits[i]!.page, rawCommits[i]!.version),
      },
      {
        name: 'claim frontier item (limit 1)',
        key: 'claim',
        kind: 'point',
        library: () => backend.claimFrontierItems(runs.library, { workerId: 'worker-library', limit: 1 }),
        raw: () => ops.claimOne(runs.raw, 'worker-raw'),
      },
    ]

    const rows: OverheadRow[] = []
    for (const operation of operations) {
      rows.push({
        ...(await compare(operation, backend, raw, sizes.overheadRounds, sizes.overheadOpsPerRound)),
        key: operation.key,
        kind: operation.kind,
      })
      log(`${operation.name}: ratio ${rows.at(-1)!.ratio.toFixed(2)}`)
    }
    rows.push(...(await compareBulk(backend, raw, ops, sizes.bulkSavePages)))
    log(`bulk save: ratio ${rows.at(-2)!.ratio.toFixed(2)}`)
    return {
      engine: engine.name,
      engineLabel: engine.label,
      layout: 'single-table',
      measuredAt: new Date().toISOString(),
      rows,
      equivalence,
    }
  } finally {
    raw.destroy()
    await backend.close()
    await dropTables(engine.endpoint, tablePrefix)
  }
}

async function runSide(
  work: (i: number) => Promise<unknown>,
  from: number,
  count: number,
  requests: () => number,
): Promise<SideRun> {
  const before = requests()
  const cpu = process.cpuUsage()
  const { ms } = await timed(async () => {
    for (let i = from; i < from + count; i++) await work(i)
  })
  const { user, system } = process.cpuUsage(cpu)
  return { ms, cpuMs: (user + system) / 1000, requests: requests() - before }
}

async function compare(
  operation: Operation,
  backend: StorageBackend,
  raw: RawClient,
  rounds: number,
  perRound: number,
): Promise<OverheadRow> {
  const libraryRequests = () => backend.metrics().requests
  const rawRequests = () => raw.metrics().requests
  // Warm-up (JIT, connections), not timed; its calls use the first indexes.
  await runSide(operation.library, 0, 3, libraryRequests)
  await runSide(operation.raw, 0, 3, rawRequests)
  const library: SideRun[] = []
  const rawRuns: SideRun[] = []
  for (let round = 0; round < rounds; round++) {
    const from = 3 + round * perRound
    const runLibrary = async () =>
      library.push(await runSide(operation.library, from, perRound, libraryRequests))
    const runRaw = async () => rawRuns.push(await runSide(operation.raw, from, perRound, rawRequests))
    if (round % 2 === 0) {
      await runLibrary()
      await runRaw()
    } else {
      await runRaw()
      await runLibrary()
    }
  }
  return row(operation.name, perRound, library, rawRuns, true)
}

function row(
  name: string,
  perRound: number,
  library: SideRun[],
  raw: SideRun[],
  goal: boolean,
  note?: string,
): OverheadRow {
  const opsPerSec = (run: SideRun) => perRound / (run.ms / 1000)
  const total = (runs: SideRun[], pick: (run: SideRun) => number) => runs.reduce((sum, r) => sum + pick(r), 0)
  return {
    operation: name,
    opsPerRound: perRound,
    rounds: library.length,
    libraryOpsPerSec: median(library.map(opsPerSec)),
    rawOpsPerSec: median(raw.map(opsPerSec)),
    ratio: median(library.map((run, i) => opsPerSec(run) / opsPerSec(raw[i]!))),
    libraryMsPerOp: median(library.map((run) => run.ms / perRound)),
    rawMsPerOp: median(raw.map((run) => run.ms / perRound)),
    libraryCpuMsPerOp: median(library.map((run) => run.cpuMs / perRound)),
    rawCpuMsPerOp: median(raw.map((run) => run.cpuMs / perRound)),
    libraryRequestsPerOp: total(library, (r) => r.requests) / (perRound * library.length),
    rawRequestsPerOp: total(raw, (r) => r.requests) / (perRound * raw.length),
    goal,
    ...(note ? { note } : {}),
  }
}

/**
 * savePagesBulk against the same work by hand (one revision-adding UpdateItem per page, 16 in
 * flight, then the counter), in two alternating rounds of half the pages each; and, for scale,
 * the same pages put blindly with BatchWriteItem (not counted against the goal: it does less).
 */
async function compareBulk(
  backend: StorageBackend,
  raw: RawClient,
  ops: RawSingleTable,
  pages: number,
): Promise<OverheadRow[]> {
  const half = Math.ceil(pages / 2)
  const batch = (side: string, round: number) =>
    Array.from({ length: half }, (_, i) => syntheticPage(`bulk-${side}`, round * half + i))
  const libraryRequests = () => backend.metrics().requests
  const rawRequests = () => raw.metrics().requests
  const library: SideRun[] = []
  const rawRuns: SideRun[] = []
  const blind: SideRun[] = []
  for (let round = 0; round < 2; round++) {
    const libraryPages = batch('library', round)
    const rawPages = batch('raw', round)
    const blindPages = batch('batch', round)
    const runLibrary = async () =>
      library.push(await runSide(() => backend.savePagesBulk(libraryPages), 0, 1, libraryRequests))
    const runRaw = async () =>
      rawRuns.push(await runSide(() => ops.savePagesBulk(rawPages), 0, 1, rawRequests))
    if (round === 0) {
      await runLibrary()
      await runRaw()
    } else {
      await runRaw()
      await runLibrary()
    }
    blind.push(await runSide(() => ops.batchPutPages(blindPages), 0, 1, rawRequests))
  }
  return [
    {
      ...row(
        `bulk save ${pages.toLocaleString('en-US')} pages (2 calls of ${half.toLocaleString('en-US')})`,
        half,
        library,
        rawRuns,
        true,
      ),
      key: 'bulk',
      kind: 'bulk',
    },
    {
      ...row(
        `bulk save ${pages.toLocaleString('en-US')} pages, raw BatchWriteItem instead`,
        half,
        library,
        blind,
        false,
        'not like for like: blind puts, 25 a request, no revision, no page counts',
      ),
      key: 'bulk-blind',
      kind: 'bulk',
    },
  ]
}
