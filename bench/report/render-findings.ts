import { int, ms, num } from './format.js'
import { rowGoals } from './render-overhead.js'
import type { BenchResults, CrawlRow, GrowthResult } from './types.js'

function spread(values: number[]): number {
  const positive = values.filter((v) => Number.isFinite(v))
  if (positive.length === 0) return Number.NaN
  const low = Math.min(...positive)
  return low === 0
    ? Math.max(...positive) === 0
      ? 1
      : Number.POSITIVE_INFINITY
    : Math.max(...positive) / low
}

function growthFindings(result: GrowthResult): string[] {
  const sizes = result.sizes.map(int).join(' / ')
  const series = (operation: string, limit: number | null) =>
    result.sizes.map((size) =>
      result.rows.find((r) => r.sitePages === size && r.operation === operation && r.limit === limit),
    )
  const out: string[] = []
  const flat: string[] = []
  const growing: string[] = []
  for (const [operation, limit] of [
    ['page by id', null],
    ['page by URL', null],
    ['count pages', null],
    ['claim next 5', 5],
    ['list pages', 100],
    ['pages needing recrawl (maxAgeHours 24)', 100],
    ['frontier by status (pending)', 100],
  ] as const) {
    const rows = series(operation, limit)
    if (rows.some((r) => r === undefined)) continue
    const requests = rows.map((r) => r!.requests)
    const read = rows.map((r) => r!.itemsRead)
    const label = `${operation}${limit && operation !== 'claim next 5' ? ` (limit ${limit})` : ''}`
    const figures = `${requests.map((v) => num(v, 2)).join(' / ')} requests, ${read.map((v) => int(v)).join(' / ')} items read`
    if (spread(requests) <= 1.25 && spread(read) <= 1.25) flat.push(`${label}: ${figures}`)
    else growing.push(`${label}: ${figures}`)
  }
  if (flat.length > 0) out.push(`flat from ${sizes} pages — ${flat.join('; ')}`)
  if (growing.length > 0) out.push(`**not flat** from ${sizes} pages — ${growing.join('; ')}`)
  const list100 = series('list pages', 100)
  const list1000 = series('list pages', 1_000)
  if (list100.every(Boolean) && list1000.every(Boolean)) {
    out.push(
      `listings grow with the page size asked: list pages reads ${list100.map((r) => int(r!.itemsRead)).join(' / ')} items for a page of 100 and ${list1000.map((r) => int(r!.itemsRead)).join(' / ')} for a page of 1,000`,
    )
  }
  return out.map((line) => `${result.engine} · ${result.layout}: ${line}.`)
}

/** Bullets drawn from the figures: what the numbers say, each with the engine it was measured on. */
/** `16`, or `16 on 16 frontier shards`. */
const workersOf = (r: CrawlRow) =>
  (r.frontierShards ?? 1) > 1 ? `${r.workers} on ${r.frontierShards} frontier shards` : String(r.workers)

export function renderFindings(results: BenchResults): string {
  const bullets: string[] = []
  for (const overhead of results.overhead) {
    const judged = overhead.rows.map((r) => ({ r, g: rowGoals(overhead.engine, r) }))
    const below = judged.filter(({ g }) => g.ratioMet === false)
    const main = (x: number | undefined) => (x === undefined ? '' : `, main ${num(x, 2)}`)
    bullets.push(
      below.length === 0
        ? `${overhead.engine}: every operation with a throughput goal met it (library / raw).`
        : `${overhead.engine}: below the throughput goal (library / raw) — ${below.map(({ r, g }) => `${r.operation} ${num(r.ratio, 2)} (goal ${g.ratioGoal}${main(g.main?.ratio)})`).join('; ')}.`,
    )
    const cpuBelow = judged.filter(({ g }) => g.cpuMet === false)
    if (judged.some(({ g }) => g.cpuGoal !== undefined))
      bullets.push(
        cpuBelow.length === 0
          ? `${overhead.engine}: the library's extra CPU per call is within its goal on every point operation (≤ 0.3 ms) and page (≤ 1.5 ms).`
          : `${overhead.engine}: extra CPU per call over its goal (ms; on dynalite the engine's CPU is in both sides) — ${cpuBelow.map(({ r, g }) => `${r.operation} +${ms(g.extraCpuMs)} (goal ${g.cpuGoal}${g.main?.extraCpuMs === undefined ? '' : `, main +${ms(g.main.extraCpuMs)}`})`).join('; ')}.`,
      )
    const blind = overhead.rows.find((r) => !r.goal)
    if (blind) {
      const g = rowGoals(overhead.engine, blind)
      const how =
        blind.libraryRequestsPerOp < 0.5
          ? 'PartiQL BatchExecuteStatement of 25 statements, each page still its own replay-safe save with its revision and count change'
          : 'one revision-adding UpdateItem each, for per-page revisions and exact counts; the engine has no PartiQL'
      bullets.push(
        `${overhead.engine}: savePagesBulk sends ${num(blind.libraryRequestsPerOp, 2)} requests per page (${how}): ${int(blind.libraryOpsPerSec)} pages/s, where blind BatchWriteItem puts of the same items (${num(blind.rawRequestsPerOp, 2)} requests per page) run at ${int(blind.rawOpsPerSec)} pages/s: ${num(blind.ratio, 2)}× of them${g.ratioGoal === undefined ? '' : ` (goal ${g.ratioGoal})`}${g.main ? `; main ${num(g.main.ratio, 2)}` : ''}.`,
      )
    }
  }
  for (const growth of results.growth) bullets.push(...growthFindings(growth))
  for (const crawl of results.crawl) {
    for (const row of crawl.rows.filter((r) => r.stopped)) {
      bullets.push(
        `${crawl.engine} · ${crawl.layout}: **the crawl simulation with ${row.workers} worker(s) stopped early** — ${row.stopped} (${int(row.pagesPerSec)} pages/s).`,
      )
    }
    const unchanged = crawl.rows.map((r) => r.outcomes.unchanged.versionWritesPerPage)
    const v = crawl.versionCheck
    bullets.push(
      `${crawl.engine} · ${crawl.layout}: unchanged pages cost ${unchanged.map((x) => num(x, 2)).join(' / ')} version writes per page (workers ${crawl.rows.map(workersOf).join(' / ')}), and ${v.unchangedWithVersions} of ${v.unchangedChecked} unchanged pages checked have any version; throughput ${crawl.rows.map((r) => `${int(r.pagesPerSec)} pages/s with ${workersOf(r)}`).join(', ')}.`,
    )
  }
  for (const reference of results.reference) {
    const library = results.patterns.find((p) => p.engine === reference.engine)
    const byUrl = reference.rows.find((r) => r.name === 'page by URL')
    const libByUrl = library?.rows.find((r) => r.name === 'page by URL')
    if (byUrl && libByUrl) {
      bullets.push(
        `${reference.engine}: page by URL reads ${int(libByUrl.itemsRead)} item (${num(libByUrl.rcu)} RCU) in the library and ${int(byUrl.itemsRead)} items (${num(byUrl.rcu)} RCU) with the reference's Scan at ${int(reference.data.pages)} pages; the Scan's cost grows with every page of every site.`,
      )
    }
    if (reference.deleteSite && library?.deleteSite) {
      bullets.push(
        `${reference.engine}: deleting a site took ${int(library.deleteSite.requests)} requests in the library (${library.deleteSite.operations}) and ${int(reference.deleteSite.requests)} with the reference's scans and item-by-item deletes.`,
      )
    }
  }
  return [
    '## Findings',
    '',
    ...(bullets.length ? bullets.map((b) => `- ${b}`) : ['_Nothing measured._']),
  ].join('\n')
}
