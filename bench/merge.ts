/**
 * Replaces sections of a results file with those of a later run, and regenerates the report:
 * `tsx bench/merge.ts <later results.json> [bench/results.json] [docs/performance.md]`. For
 * re-measuring one section (say `npm run bench -- --sections memory --out DIR`) without
 * repeating an hour of others; the report names the sections, commit and date of each amendment.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { EngineName, SectionName } from './options.js'
import { renderMarkdown } from './report/markdown.js'
import type { BenchResults } from './report/types.js'

/** The results arrays each section fills. */
const SECTION_FIELDS: Record<SectionName, (keyof BenchResults)[]> = {
  patterns: ['patterns', 'reference'],
  overhead: ['overhead'],
  growth: ['growth'],
  crawl: ['crawl'],
  distributed: ['distributed'],
  memory: ['memory', 'migrationMemory'],
  feed: ['feed'],
  'cold-start': [],
}

type Rows = { engine: string }[]

export function mergeResults(base: BenchResults, later: BenchResults): BenchResults {
  if (later.quick !== base.quick) throw new Error('cannot merge a quick run into a full run, or back')
  const merged = structuredClone(base)
  const engines = later.engines.filter((e) => e.measured).map((e) => e.name)
  for (const section of later.sections) {
    for (const field of SECTION_FIELDS[section]) {
      const kept = ((base[field] ?? []) as Rows).filter((row) => !engines.includes(row.engine as EngineName))
      ;(merged as unknown as Record<string, Rows>)[field] = [...kept, ...((later[field] ?? []) as Rows)]
    }
  }
  if (later.sections.includes('cold-start') && later.coldStart) merged.coldStart = later.coldStart
  const replaced = <R extends { engine: EngineName; section: SectionName }>(rows: R[]) =>
    rows.filter((row) => !(engines.includes(row.engine) && later.sections.includes(row.section)))
  merged.errors = [...replaced(base.errors), ...later.errors]
  merged.skipped = [...replaced(base.skipped), ...later.skipped]
  merged.amendments = [
    ...(base.amendments ?? []),
    {
      sections: later.sections,
      engines,
      commit: later.commit,
      dirty: later.dirty,
      generatedAt: later.generatedAt,
    },
  ]
  return merged
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const [laterPath, basePath = `${root}bench/results.json`, output = `${root}docs/performance.md`] =
    process.argv.slice(2)
  if (!laterPath) {
    console.error('usage: tsx bench/merge.ts <later results.json> [base results.json] [performance.md]')
    process.exit(2)
  }
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as BenchResults
  const merged = mergeResults(read(basePath), read(laterPath))
  writeFileSync(basePath, `${JSON.stringify(merged, null, 2)}\n`)
  writeFileSync(output, renderMarkdown(merged))
  console.log(`merged ${laterPath} into ${basePath}; wrote ${output}`)
}
