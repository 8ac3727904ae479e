import { parseArgs } from 'node:util'

export type EngineName = 'dynalite' | 'dynamodb-local'
export type SectionName = 'patterns' | 'overhead' | 'growth' | 'crawl' | 'memory'

export const ENGINE_NAMES: readonly EngineName[] = ['dynalite', 'dynamodb-local']
export const SECTION_NAMES: readonly SectionName[] = ['patterns', 'overhead', 'growth', 'crawl', 'memory']

/** How much work each section does: the full run, or the quick smoke run. */
export interface BenchSizes {
  /** Pages of the seeded crawl the access patterns run on (`seedCrawl`). */
  seedPages: number
  /** Timed calls per access pattern (after one untimed call that gives its cost). */
  repetitions: number
  /** Alternating library/raw rounds per operation, and operations per round. */
  overheadRounds: number
  overheadOpsPerRound: number
  /** Pages of the one bulk save timed on each side. */
  bulkSavePages: number
  /** Site sizes of the growth section. */
  growthPages: number[]
  growthRepetitions: number
  /** URLs each crawl simulation works, and the worker counts it runs with. */
  crawlUrls: number
  crawlWorkers: number[]
  /** Pages of the bulk save whose peak RSS the memory section reports. */
  memoryPages: number
}

export const FULL_SIZES: BenchSizes = {
  seedPages: 1_000,
  repetitions: 30,
  overheadRounds: 6,
  overheadOpsPerRound: 40,
  bulkSavePages: 10_000,
  growthPages: [1_000, 10_000, 100_000],
  growthRepetitions: 15,
  crawlUrls: 10_000,
  crawlWorkers: [1, 4, 16],
  memoryPages: 100_000,
}

export const QUICK_SIZES: BenchSizes = {
  seedPages: 1_000,
  repetitions: 8,
  overheadRounds: 4,
  overheadOpsPerRound: 15,
  bulkSavePages: 1_000,
  growthPages: [1_000, 10_000],
  growthRepetitions: 5,
  crawlUrls: 1_000,
  crawlWorkers: [1, 4, 16],
  memoryPages: 10_000,
}

export interface BenchOptions {
  quick: boolean
  /** Engines asked for; DynamoDB Local is dropped (with a note) when java is missing. */
  engines: EngineName[]
  /** Where results.json and performance.md go; `null` = bench/results.json and docs/performance.md. */
  outDir: string | null
  sections: SectionName[]
  sizes: BenchSizes
}

export const USAGE = `npm run bench -- [--quick] [--engines dynalite,dynamodb-local] [--sections ${SECTION_NAMES.join(',')}] [--out DIR]

  --quick      smaller sizes (growth 1k/10k, crawl 1k URLs, memory 10k pages); results are marked quick
  --engines    engines to measure on (default: both; DynamoDB Local only when java is on PATH)
  --sections   sections to run (default: all)
  --out DIR    write results.json and performance.md into DIR instead of bench/ and docs/`

/** Parses the command line; throws an Error whose message is the usage problem. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      engines: { type: 'string' },
      sections: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })
  const quick = values.quick ?? false
  return {
    quick,
    engines: listOf(values.engines, ENGINE_NAMES, 'engine'),
    sections: listOf(values.sections, SECTION_NAMES, 'section'),
    outDir: values.out ?? null,
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
  }
}

function listOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed]
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  for (const name of names) {
    if (!allowed.includes(name as T)) throw new Error(`unknown ${what} "${name}" (one of ${allowed.join(', ')})`)
  }
  return allowed.filter((name) => names.includes(name))
}
