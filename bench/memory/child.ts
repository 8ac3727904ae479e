/**
 * Child process of the memory section: runs one scenario of ./scenarios.ts against an engine the
 * bench process serves, and prints one JSON line: RSS at start, after building the input, at
 * peak (`maxRSS`), the seconds the work took, and the requests it sent.
 */
import { readFileSync } from 'node:fs'
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
let sampledPeak = process.memoryUsage.rss()
setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())
}, 10).unref()

/**
 * Peak RSS of this process: Linux's VmHWM, the high-water mark of its own address space. Not
 * getrusage's maxRSS: Linux carries that across fork and exec, so a child of a bench process
 * holding gigabytes would report the parent's peak. Elsewhere, the highest RSS sampled every 10 ms.
 */
function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (match) return Number(match[1]) * 1024
  } catch {
    // not Linux: the sampled peak
  }
  return Math.max(sampledPeak, process.memoryUsage.rss())
}

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
  peakRssBytes: peakRssBytes(),
  seconds,
  items,
  requests: backend.metrics().requests,
}
await backend.close()
process.stdout.write(`${JSON.stringify(report)}\n`)
