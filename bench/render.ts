/**
 * Regenerates docs/performance.md from a results file without measuring again:
 * `tsx bench/render.ts [bench/results.json] [docs/performance.md]`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderMarkdown } from './report/markdown.js'
import type { BenchResults } from './report/types.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const [input = `${root}bench/results.json`, output = `${root}docs/performance.md`] = process.argv.slice(2)
const results = JSON.parse(readFileSync(input, 'utf8')) as BenchResults
writeFileSync(output, renderMarkdown(results))
console.log(`wrote ${output} from ${input}`)
