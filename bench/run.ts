/**
 * `npm run bench [-- --quick] [--engines …] [--sections …] [--out DIR]`: measures the library on
 * the embedded dynalite and, when java is present, on DynamoDB Local; writes bench/results.json
 * and regenerates docs/performance.md (or both into DIR). A benchmark, never a timed test: it
 * fails (exit 1) only when a measurement itself breaks, never on speed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { engineLabel, engineUnavailable, type RunningEngine, startEngine } from './engines.js'
import type { LayoutName } from './layouts.js'
import { type BenchOptions, type EngineName, parseOptions, type SectionName, USAGE } from './options.js'
import { environment } from './report/environment.js'
import { renderMarkdown } from './report/markdown.js'
import type { BenchResults } from './report/types.js'
import { runColdStart } from './sections/cold-start.js'
import { runCrawl } from './sections/crawl.js'
import { runDistributed } from './sections/distributed.js'
import { runFeed } from './sections/feed.js'
import { type GrowthOptions, measureGrowth, type SeededGrowth, seedGrowth } from './sections/growth.js'
import { runMemory } from './sections/memory.js'
import { runOverhead } from './sections/overhead.js'
import { runPatterns } from './sections/patterns.js'
import { runReference } from './sections/reference.js'
import { reexecWithHeap } from './support/heap.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Heap a full run needs: dynalite in this process holds a growth site of 100,000 pages and its frontier. */
const FULL_RUN_HEAP_MB = 8_192

/**
 * Sections measured on DynamoDB Local: the cost per pattern (its capacity units differ: it counts
 * index writes) and the overhead. Growth, crawl and memory write hundreds of thousands of items;
 * their requests per call are those of dynalite, and DynamoDB Local takes longer per write here,
 * so they run on dynalite only. A quick run measures the patterns only.
 */
/** Sections measured once, on no engine. */
const ENGINELESS_SECTIONS: SectionName[] = ['cold-start']
const DYNAMODB_LOCAL_SECTIONS: SectionName[] = ['patterns', 'overhead']
const QUICK_DYNAMODB_LOCAL_SECTIONS: SectionName[] = ['patterns']
/**
 * Sections DynamoDB Local runs only when `--sections` names them: the crawl for its capacity per
 * page by outcome with index writes counted (docs/scaling.md; `--quick` keeps it small), the
 * distributed simulation with its JVM as the engine process.
 */
const DYNAMODB_LOCAL_ON_REQUEST: SectionName[] = ['crawl', 'distributed']

/** Sections that seed thousands of pages: in a quick run, on the first layout only. */
const HEAVY_SECTIONS: SectionName[] = ['growth', 'crawl', 'memory', 'feed']

function sectionsFor(engine: EngineName, options: BenchOptions): SectionName[] {
  const engineSections = options.sections.filter((s) => !ENGINELESS_SECTIONS.includes(s))
  if (engine !== 'dynamodb-local') return engineSections
  const allowed = [
    ...(options.quick ? QUICK_DYNAMODB_LOCAL_SECTIONS : DYNAMODB_LOCAL_SECTIONS),
    ...(options.sectionsNamed ? DYNAMODB_LOCAL_ON_REQUEST : []),
  ]
  return engineSections.filter((s) => allowed.includes(s))
}

function layoutsFor(section: SectionName, options: BenchOptions): readonly LayoutName[] {
  const firstOnly = options.quick && !options.layoutsNamed && HEAVY_SECTIONS.includes(section)
  return firstOnly ? options.layouts.slice(0, 1) : options.layouts
}

const started = Date.now()
function log(line: string): void {
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`)
}

async function measureEngine(
  engine: RunningEngine,
  sections: SectionName[],
  options: BenchOptions,
  results: BenchResults,
  save: () => void,
) {
  const sizes = options.sizes
  const section = async (name: SectionName, layout: LayoutName | undefined, work: () => Promise<void>) => {
    const at = Date.now()
    const cpu = process.cpuUsage()
    log(`${engine.name} · ${name}${layout ? ` · ${layout}` : ''}`)
    try {
      await work()
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      log(`ERROR ${message}`)
      results.errors.push({
        engine: engine.name,
        section: name,
        ...(layout ? { layout } : {}),
        message: message.split('\n')[0]!,
      })
    }
    save()
    const { user, system } = process.cpuUsage(cpu)
    log(
      `${engine.name} · ${name}${layout ? ` · ${layout}` : ''} done in ${((Date.now() - at) / 1000).toFixed(0)} s (CPU of this process ${((user + system) / 1e6).toFixed(0)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`,
    )
  }
  const skip = (section: SectionName, layout: LayoutName, reason: string) => {
    log(`${layout} skipped: ${reason}`)
    results.skipped.push({ engine: engine.name, layout, section, reason })
  }
  const sub = (prefix: string) => (line: string) => log(`  ${prefix}: ${line}`)
  const growthOptions: GrowthOptions = {
    sizes: sizes.growthPages,
    frontierCap: sizes.growthFrontierCap,
    repetitions: sizes.growthRepetitions,
    log: sub('growth seeding'),
  }
  // A quick run seeds the growth sites in child processes while the other sections run, so the
  // second core works too; a full run seeds them in turn, so nothing disturbs the other figures.
  const earlySeeding = new Map<LayoutName, Promise<SeededGrowth | { skipped: string }>>()
  if (options.quick && sections.includes('growth')) {
    for (const layout of layoutsFor('growth', options)) {
      const seeding = seedGrowth(engine, layout, growthOptions)
      seeding.catch(() => undefined) // reported when the growth section awaits it
      earlySeeding.set(layout, seeding)
    }
  }

  if (sections.includes('patterns')) {
    let referenced = false
    for (const layout of options.layouts) {
      await section('patterns', layout, async () => {
        const outcome = await runPatterns(engine, layout, {
          pages: sizes.seedPages,
          frontierUrls: sizes.seedFrontierUrls,
          repetitions: sizes.repetitions,
          exportData: !referenced,
          log: sub('patterns'),
        })
        if (!outcome.result) return skip('patterns', layout, outcome.skipped ?? 'unavailable')
        results.patterns.push(outcome.result)
        if (outcome.exported && outcome.fixture) {
          referenced = true
          log(`${engine.name} · reference call patterns`)
          results.reference.push(
            await runReference(engine, outcome.exported, outcome.fixture, sizes.repetitions),
          )
        }
      })
    }
  }
  if (sections.includes('overhead')) {
    await section('overhead', 'single-table', async () => {
      results.overhead.push(await runOverhead(engine, sizes, sub('overhead')))
    })
  }
  for (const layout of options.layouts) {
    if (sections.includes('growth') && layoutsFor('growth', options).includes(layout)) {
      await section('growth', layout, async () => {
        const seeded = await (earlySeeding.get(layout) ?? seedGrowth(engine, layout, growthOptions))
        if ('skipped' in seeded) return skip('growth', layout, seeded.skipped)
        const outcome = await measureGrowth(engine, layout, seeded, growthOptions)
        if (!outcome.result) return skip('growth', layout, outcome.skipped ?? 'unavailable')
        results.growth.push(outcome.result)
        results.memory.push(
          ...outcome.memory.filter(
            (row) => row.scenario === 'bulk-save-pages' || row.items === sizes.memoryPages,
          ),
        )
      })
    }
    if (sections.includes('crawl') && layoutsFor('crawl', options).includes(layout)) {
      await section('crawl', layout, async () => {
        const outcome = await runCrawl(engine, layout, {
          urls: sizes.crawlUrls,
          workers: sizes.crawlWorkers,
          shardedWorkers: sizes.crawlShardedWorkers,
          budgetSeconds: sizes.crawlBudgetSeconds,
          log: sub('crawl'),
        })
        if (!outcome.result) return skip('crawl', layout, outcome.skipped ?? 'unavailable')
        results.crawl.push(outcome.result)
      })
    }
    if (sections.includes('memory') && layoutsFor('memory', options).includes(layout)) {
      await section('memory', layout, async () => {
        const outcome = await runMemory(engine, layout, {
          pages: sizes.memoryPages,
          migrationRecords: sizes.migrationRecords,
          measured: results.memory.filter((row) => row.engine === engine.name),
          log: sub('memory'),
        })
        if (outcome.skipped) return skip('memory', layout, outcome.skipped)
        results.memory.push(...outcome.storage)
        results.migrationMemory.push(...outcome.migration)
      })
    }
  }
  for (const layout of layoutsFor('feed', options)) {
    if (!sections.includes('feed')) break
    await section('feed', layout, async () => {
      const outcome = await runFeed(engine, layout, {
        sitePages: sizes.feedSitePages,
        changes: sizes.feedChanges,
        log: sub('feed'),
      })
      if (!outcome.result) return skip('feed', layout, outcome.skipped ?? 'unavailable')
      results.feed ??= []
      results.feed.push(outcome.result)
    })
  }
  // Last: in a quick run the growth seeding children are done by then, so they do not share its CPU.
  if (sections.includes('distributed')) {
    await section('distributed', undefined, async () => {
      const outcome = await runDistributed(engine, options.layouts, sizes.distributed, sub('distributed'))
      results.distributed ??= []
      results.distributed.push(outcome.result)
      for (const { layout, reason } of outcome.skipped) skip('distributed', layout, reason)
    })
  }
}

async function main(): Promise<number> {
  let options: BenchOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    return 2
  }
  if (!options.quick) {
    const code = await reexecWithHeap(FULL_RUN_HEAP_MB)
    if (code !== null) return code
  }
  const results: BenchResults = {
    schemaVersion: 1,
    complete: false,
    quick: options.quick,
    generatedAt: new Date().toISOString(),
    ...environment(),
    sizes: options.sizes,
    sections: options.sections,
    engines: [],
    patterns: [],
    reference: [],
    overhead: [],
    growth: [],
    crawl: [],
    distributed: [],
    feed: [],
    memory: [],
    migrationMemory: [],
    skipped: [],
    errors: [],
  }
  log(
    `${options.quick ? 'quick' : 'full'} run: engines ${options.engines.join(', ')}; sections ${options.sections.join(', ')}`,
  )
  const outDir = options.outDir
  const jsonPath = outDir ? join(outDir, 'results.json') : join(ROOT, 'bench', 'results.json')
  const markdownPath = outDir ? join(outDir, 'performance.md') : join(ROOT, 'docs', 'performance.md')
  if (outDir) mkdirSync(outDir, { recursive: true })
  // Written after every section (marked incomplete), so a run cut short keeps what it measured.
  const save = () => {
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
    writeFileSync(markdownPath, renderMarkdown(results))
  }
  if (options.sections.includes('cold-start')) {
    // No engine: fresh processes import the package, and esbuild bundles a handler.
    log('cold start')
    results.coldStart = await runColdStart(options.sizes.coldStartRuns)
    log(
      `cold start: import ${(results.coldStart.library.ms / results.coldStart.sdk.ms).toFixed(2)}× the SDK's`,
    )
    save()
  }
  for (const name of options.engines) {
    const reason = engineUnavailable(name)
    if (reason) {
      log(`${name} not measured: ${reason}`)
      results.engines.push({ name, label: engineLabel(name), measured: false, reason, sections: [] })
      continue
    }
    const sections = sectionsFor(name, options)
    if (sections.length === 0) continue
    const engine = await startEngine(name)
    results.engines.push({ name, label: engine.label, measured: true, sections })
    try {
      await measureEngine(engine, sections, options, results, save)
    } finally {
      await engine.stop()
    }
  }
  results.complete = true
  save()
  log(
    `wrote ${jsonPath} and ${markdownPath}${results.errors.length ? ` — ${results.errors.length} error(s)` : ''}`,
  )
  return results.errors.length > 0 ? 1 : 0
}

process.exitCode = await main()
