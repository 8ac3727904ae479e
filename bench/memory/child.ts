/**
 * Child process of the memory section: runs one scenario of ./scenarios.ts against an engine the
 * bench process serves, and prints one JSON line: RSS at start, after building the input, at
 * peak (`maxRSS`), the seconds the work took, and the requests it sent.
 */
import { performance } from 'node:perf_hooks'
import { reopenBackend } from '../layouts.js'
import { MEMORY_SCENARIOS, type ScenarioArgs } from './scenarios.js'

export interface ChildReport {
  baselineRssBytes: number
  afterInputRssBytes: number
  peakRssBytes: number
  seconds: number
  items: number
  requests: number
}

const args = JSON.parse(process.argv[2] ?? '{}') as ScenarioArgs
const scenario = MEMORY_SCENARIOS[args.scenario]
if (!scenario) throw new Error(`unknown memory scenario ${args.scenario}`)
const backend = reopenBackend(args.endpoint, args.layout, args.tablePrefix)
const baselineRssBytes = process.memoryUsage().rss
const input = scenario.prepare(args)
const afterInputRssBytes = process.memoryUsage().rss
const started = performance.now()
const items = await scenario.run(backend, input, args)
const seconds = (performance.now() - started) / 1000
const report: ChildReport = {
  baselineRssBytes,
  afterInputRssBytes,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  seconds,
  items,
  requests: backend.metrics().requests,
}
await backend.close()
process.stdout.write(`${JSON.stringify(report)}\n`)
