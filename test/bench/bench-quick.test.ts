import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults } from '../../bench/report/types.js'
import { ACCESS_PATTERNS } from '../../src/demo/access-patterns.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let running: ChildProcess | undefined

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    running = child
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, output }))
  })
}

const finite = (value: number) => Number.isFinite(value)

/**
 * Runs the quick bench on dynalite into a temporary directory, so the bench cannot rot unnoticed.
 * About two and a half minutes on an idle 2-core machine (the distributed section about 40 s of it); the timeout leaves room for a busy one.
 */
describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'ragcrawl-bench-'))
  afterAll(() => {
    // A timed-out run must not outlive the test.
    if (running && running.exitCode === null) running.kill()
    rmSync(out, { recursive: true, force: true })
  })

  it('writes a well-formed results.json with every access pattern, and performance.md', async () => {
    const { code, output } = await runBench(['--quick', '--engines', 'dynalite', '--out', out])
    expect(code, output.slice(-4_000)).toBe(0)

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults
    expect(results.schemaVersion).toBe(1)
    expect(results.complete).toBe(true)
    expect(results.quick).toBe(true)
    expect(results.errors).toEqual([])
    expect(results.engines).toEqual([expect.objectContaining({ name: 'dynalite', measured: true })])

    expect(results.patterns.length).toBeGreaterThan(0)
    for (const patterns of results.patterns) {
      expect(patterns.rows.map((row) => row.name)).toEqual(ACCESS_PATTERNS.map((p) => p.name))
      for (const row of patterns.rows) {
        expect(row.requests, row.name).toBeGreaterThanOrEqual(1)
        expect(row.latency.n, row.name).toBe(results.sizes.repetitions)
        expect(finite(row.latency.medianMs) && finite(row.latency.p95Ms), row.name).toBe(true)
      }
      expect(patterns.deleteSite?.requests).toBeGreaterThan(0)
    }
    expect(results.reference).toHaveLength(1)
    expect(results.reference[0]!.rows.map((row) => row.name)).toContain('page by URL')

    expect(results.overhead).toHaveLength(1)
    expect(results.overhead[0]!.equivalence.every((check) => check.ok)).toBe(true)
    for (const row of results.overhead[0]!.rows) expect(finite(row.ratio), row.operation).toBe(true)

    expect(results.growth.length).toBeGreaterThan(0)
    expect(results.growth[0]!.sizes).toEqual(results.sizes.growthPages)
    const unsharded = results.crawl[0]!.rows.filter((row) => row.frontierShards === 1)
    expect(unsharded.map((row) => row.workers)).toEqual(results.sizes.crawlWorkers)
    expect(results.crawl[0]!.rows.filter((row) => row.frontierShards! > 1)).toHaveLength(1)
    expect(results.crawl[0]!.rows.every((row) => row.outcomes.unchanged.versionWritesPerPage === 0)).toBe(
      true,
    )
    const distributed = results.distributed?.[0]
    expect(distributed?.rows.filter((row) => !row.budget).map((row) => row.workers)).toEqual(
      results.sizes.distributed.workers,
    )
    for (const row of distributed?.rows ?? []) {
      expect(row.pages, `${row.workers} workers`).toBeGreaterThan(0)
      expect(finite(row.requestsPerPage) && finite(row.cpu.msPerPage), `${row.workers} workers`).toBe(true)
      expect(row.addedRoundTripMs).toBeGreaterThanOrEqual(results.sizes.distributed.roundTripMs)
    }
    // The budget is far below what the budget row's workers would write: it throttles.
    expect(distributed?.rows.find((row) => row.budget)?.throttled).toBeGreaterThan(0)
    expect(results.memory).toContainEqual(
      expect.objectContaining({ scenario: 'bulk-save-pages', items: results.sizes.memoryPages }),
    )
    expect(results.migrationMemory).toContainEqual(
      expect.objectContaining({
        scenario: 'migrate-to-other-layout',
        items: results.sizes.migrationRecords[0],
      }),
    )

    const markdown = readFileSync(join(out, 'performance.md'), 'utf8')
    expect(markdown).toMatch(/^# Performance/)
    expect(markdown).toContain('**Quick run**')
    for (const pattern of ACCESS_PATTERNS) expect(markdown).toContain(`| ${pattern.name} |`)
    expect(markdown).toContain('## 6. Distributed crawl simulation')
  }, 600_000)
})
