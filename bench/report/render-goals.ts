import { COLD_START_GOALS } from '../options.js'
import { int, ms, num, table } from './format.js'
import type { OverheadKey } from './overhead-baseline.js'
import { rowGoals } from './render-overhead.js'
import type { BenchResults } from './types.js'

// Issue 13's goals, each with this run's figure, main's and, when below goal, what limits it.

/** Bulk saves: peak RSS over the input's own size, and in all from an AsyncIterable (MB). */
const MEMORY_GOALS = { overInputMb: 150, streamedMb: 250 } as const
/** The multi-table recrawl listing's items read against single-table's, for a page of 100. */
const RECRAWL_GOAL = 1.5

/** What the library still does per call beyond the raw side, by operation. */
const OVERHEAD_LIMITS: Record<OverheadKey, string> = {
  put: "validating the page (zod), the replay-safe bookkeeping spliced into the UpdateItem (tokens, pre-image, change-feed condition) and the counter's writer entry",
  save: 'validating the page (zod) and the replay-safe bookkeeping spliced into the UpdateItem',
  get: "formatting the item (ElectroDB's identifiers checked) and reading it into a Page",
  url: "formatting the item (ElectroDB's identifiers checked) and reading it into a Page",
  list: 'formatting and reading 100 items, and the cursor (a digest of the listing)',
  commit:
    "validating the page and the version (zod), the version's body encoding, the page save's bookkeeping",
  claim:
    "the claim plan (window, shard order), the take's condition and lease bookkeeping, reading the taken item",
  bulk: "each page is its own replay-safe save (revision, tokens, count change) turned into a PartiQL statement, with one BatchGetItem of 100 pages' state: 0.5 ms of client CPU a page against 0.2 for a blind put",
  'bulk-blind':
    "each page is its own replay-safe save (revision, tokens, count change) turned into a PartiQL statement, with one BatchGetItem of 100 pages' state: 0.5 ms of client CPU a page against 0.2 for a blind put",
}

type GoalRow = [string, string, string, string, string, string]

export function renderGoals(results: BenchResults): string {
  const rows: GoalRow[] = []
  const yes = (met: boolean) => (met ? 'yes' : '**no**')
  const below: string[] = []

  for (const overhead of results.overhead) {
    for (const r of overhead.rows) {
      const g = rowGoals(overhead.engine, r)
      const where = `${overhead.engine} · ${overhead.layout}`
      if (g.ratioGoal !== undefined) {
        const what =
          r.key === 'bulk-blind'
            ? 'bulk save against blind BatchWriteItem puts'
            : `${r.operation}: library / raw`
        rows.push([
          what,
          where,
          num(r.ratio, 2),
          `≥ ${g.ratioGoal}`,
          yes(g.ratioMet!),
          g.main ? num(g.main.ratio, 2) : '–',
        ])
        if (!g.ratioMet) below.push(`${what} (${where}) ${num(r.ratio, 3)}: ${limitOf(r.key)}.`)
      }
      if (g.cpuGoal !== undefined) {
        const what = `${r.operation}: extra CPU per call, ms`
        rows.push([
          what,
          where,
          `${g.extraCpuMs >= 0 ? '+' : ''}${ms(g.extraCpuMs)}`,
          `≤ ${g.cpuGoal}`,
          yes(g.cpuMet!),
          g.main?.extraCpuMs === undefined ? '–' : `+${ms(g.main.extraCpuMs)}`,
        ])
        if (!g.cpuMet) below.push(`${what} (${where}) +${ms(g.extraCpuMs)}: ${limitOf(r.key)}.`)
      }
    }
  }

  for (const m of results.memory) {
    const where = `${m.engine} · ${m.layout}${m.heapLimitMb ? ` · heap ${m.heapLimitMb} MB` : ''}`
    if (m.scenario === 'bulk-save-pages' && m.heapLimitMb) {
      const bound = m.afterInputRssMb + MEMORY_GOALS.overInputMb
      rows.push([
        `savePagesBulk of ${int(m.items)} pages (array): peak RSS, MB`,
        where,
        int(m.peakRssMb),
        `≤ start + input + ${MEMORY_GOALS.overInputMb} = ${int(bound)}`,
        yes(m.peakRssMb <= bound),
        '712 (default heap, 2026-11-25)',
      ])
    }
    if (m.scenario === 'bulk-save-pages-stream') {
      rows.push([
        `savePagesBulk of ${int(m.items)} pages (AsyncIterable): peak RSS, MB`,
        where,
        int(m.peakRssMb),
        `≤ ${MEMORY_GOALS.streamedMb}`,
        yes(m.peakRssMb <= MEMORY_GOALS.streamedMb),
        '– (an array only)',
      ])
    }
  }

  const cold = results.coldStart
  if (cold) {
    const ratio = cold.library.ms / cold.sdk.ms
    rows.push([
      'import: package / SDK alone (wall)',
      'no engine',
      `${num(ratio, 2)}×`,
      `≤ ${COLD_START_GOALS.importRatio}×`,
      yes(ratio <= COLD_START_GOALS.importRatio),
      '1.75× (e7223fb)',
    ])
    if (ratio > COLD_START_GOALS.importRatio) {
      below.push(
        `Import ${num(ratio, 2)}× the SDK's: zod (35–60 ms to import here, up to half the SDK's) and ElectroDB (~10 ms once the SDK is loaded) load at import, and the model's schemas are built then; below 1.3× needs the model on zod's smaller \`zod/mini\` build or schemas built on first use.`,
      )
    }
    const smaller = cold.bundleBytes < COLD_START_GOALS.issueBundleBytes
    rows.push([
      'handler bundle (esbuild, minified), MB',
      'no engine',
      num(cold.bundleBytes / 1e6, 2),
      `< ${num(COLD_START_GOALS.issueBundleBytes / 1e6, 2)}`,
      yes(smaller),
      `${num(COLD_START_GOALS.mainBundleBytes / 1e6, 2)} measured this way`,
    ])
    if (!smaller) {
      below.push(
        `Handler bundle ${num(cold.bundleBytes / 1e6, 2)} MB: smaller than main's ${num(COLD_START_GOALS.mainBundleBytes / 1e6, 2)} MB measured the same way (dynalite no longer bundled), above the 1.32 MB the issue measured: zod is whole in it (444 KB) and the package's own code grew with 0.2's replay safety, change feed, claim index and readers.`,
      )
    }
  }

  const recrawl = (layout: string) =>
    results.growth
      .filter((g) => g.layout === layout)
      .flatMap((g) =>
        g.rows.filter((r) => r.operation.startsWith('pages needing recrawl') && r.limit === 100),
      )
  const single = recrawl('single-table')
  for (const multi of recrawl('multi-table')) {
    const base = single.find((r) => r.sitePages === multi.sitePages)
    if (!base) continue
    const ratio = multi.itemsRead / base.itemsRead
    const where = `dynalite · multi-table · ${int(multi.sitePages)} pages`
    rows.push([
      'recrawl listing, page of 100: items read against single-table',
      where,
      `${num(ratio, 1)}× (${int(multi.itemsRead)} / ${int(base.itemsRead)})`,
      `≤ ${RECRAWL_GOAL}×`,
      yes(ratio <= RECRAWL_GOAL),
      'not measured (a page returned 92–98)',
    ])
    if (ratio > RECRAWL_GOAL) {
      below.push(
        `Multi-table recrawl listing at ${int(multi.sitePages)} pages: ${int(multi.itemsRead)} items read for 100 (${num(ratio, 1)}× single-table): the documented layout keeps never-crawled pages out of the recrawl index (no \`last_crawled\`), so the queue begins with a filtered read of the site's partition; an added sparse index of never-crawled pages would leave out those another tool wrote with the documented attributes only.`,
      )
    }
  }

  if (rows.length === 0) return ''
  return [
    '## Goals of issue 13',
    '',
    "Each goal of issue 13 (overhead, bulk saves, cold start, the multi-table recrawl listing) with this run's figure and main's (the figures when the issue was filed, kept as a column); the rows below goal follow the table with what limits them. Ratios and CPU are of a shared 2-core machine, where the round ratios of one operation spread by about ±0.05 from run to run and DynamoDB Local's JVM shares the cores with the client; requests and items read are exact. Extra CPU is this process's CPU per call over the raw side's: the client alone on DynamoDB Local, the client and the engine on dynalite (in process). That a recrawl page of 100 returns 100 while that many are due (the other half of the recrawl goal) is pinned by test/contract/recrawl-listing.contract.test.ts in both layouts.",
    '',
    table(['goal', 'where', 'measured', 'goal', 'met', 'main'], rows),
    '',
    ...(below.length > 0
      ? ['Below goal, and what limits each:', '', ...below.map((line) => `- ${line}`)]
      : []),
  ].join('\n')

  function limitOf(key: OverheadKey | undefined): string {
    return key ? OVERHEAD_LIMITS[key] : 'the client CPU of the call'
  }
}
