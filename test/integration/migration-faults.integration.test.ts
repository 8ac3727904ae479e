import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateLayout, type StorageConfigInput, verifyLayouts } from '../../src/index.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { type FaultProxy, type FaultRates, startFaultProxy } from '../support/fault-proxy.js'
import { buildRecords, type SeedCounts, seedRecords } from '../support/migration-seed.js'
import { rawCopy } from '../support/raw-copy.js'

/**
 * A 20,000-item migration single-table → multi-table on dynalite, with both ends behind fault
 * proxies: 10% of data requests throttled, answered 500, dropped before the engine or with the
 * answer lost after it, and 5% of BatchWriteItem writes returned unprocessed. The copy is then
 * verified through clean endpoints, and its throughput is compared with a fault-free migration
 * and with a plain Scan + BatchWriteItem copy of the raw items at the same concurrency.
 */

const TOTAL = 20_000
const SEGMENTS = 4
const FAULTS: FaultRates = {
  throttle: 0.025,
  serverError: 0.025,
  dropConnection: 0.025,
  dropResponse: 0.025,
  unprocessed: 0.05,
}

let engine: EmbeddedEngine
const proxies: FaultProxy[] = []
let source: StorageConfigInput
let counts: SeedCounts
let seedMs = 0

const config = (layout: 'single-table' | 'multi-table', endpointUrl: string, tablePrefix: string) => ({
  backend: { endpointUrl, layout, tablePrefix },
})
const rate = (items: number, ms: number) => Math.round(items / (ms / 1000))

/** Runs `work`, returning its result with this process's CPU time (client, proxies and dynalite). */
async function withCpu<T>(work: () => Promise<T>): Promise<T & { cpuMs: number }> {
  const before = process.cpuUsage()
  const result = await work()
  const used = process.cpuUsage(before)
  return { ...result, cpuMs: Math.round((used.user + used.system) / 1000) }
}

beforeAll(async () => {
  engine = await startLocalEngine()
  source = config('single-table', engine.endpoint, uniqueTablePrefix('mf_src'))
  const built = buildRecords({ total: TOTAL })
  counts = built.counts
  seedMs = await seedRecords(source, built.records)
}, 300_000)

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop()
  await engine?.stop()
})

describe('migration under faults', () => {
  it('copies 20,000 items through 10% faults on both ends, verified, and measures the cost', async () => {
    const logical = counts.sites + counts.runs + counts.pages + counts.versions + counts.frontier
    expect(logical).toBe(TOTAL)

    // Fault-free reference.
    const clean = await withCpu(() =>
      migrateLayout({
        source,
        target: config('multi-table', engine.endpoint, uniqueTablePrefix('mf_clean')),
        segments: SEGMENTS,
      }),
    )
    expect(clean.error ?? null).toBeNull()
    expect(clean.ok).toBe(true)

    // Both ends behind their own fault proxy, faults on from the first request.
    const sourceProxy = await startFaultProxy({ target: engine.endpoint, rates: FAULTS, seed: 11 })
    const targetProxy = await startFaultProxy({ target: engine.endpoint, rates: FAULTS, seed: 23 })
    proxies.push(sourceProxy, targetProxy)
    const targetPrefix = uniqueTablePrefix('mf_faulty')
    const faulty = await withCpu(() =>
      migrateLayout({
        source: config('single-table', sourceProxy.endpoint, source.backend!.tablePrefix!),
        target: config('multi-table', targetProxy.endpoint, targetPrefix),
        segments: SEGMENTS,
      }),
    )
    expect(faulty.error ?? null).toBeNull()
    expect(faulty.ok).toBe(true)
    expect(faulty.invalid).toEqual([])
    for (const table of ['sites', 'runs', 'pages', 'versions', 'frontier'] as const) {
      expect(faulty.tables[table], table).toEqual({
        read: counts[table],
        written: counts[table],
        skipped: 0,
        failed: 0,
      })
    }
    // The faults did happen, on both sides.
    expect(sourceProxy.stats.byOperation.Scan ?? 0).toBeGreaterThan(0)
    const sourceFaults =
      sourceProxy.stats.throttle +
      sourceProxy.stats.serverError +
      sourceProxy.stats.dropConnection +
      sourceProxy.stats.dropResponse
    const targetFaults =
      targetProxy.stats.throttle +
      targetProxy.stats.serverError +
      targetProxy.stats.dropConnection +
      targetProxy.stats.dropResponse
    expect(sourceFaults).toBeGreaterThan(0)
    expect(targetFaults).toBeGreaterThan(0)
    expect(targetProxy.stats.unprocessedItems).toBeGreaterThan(0)

    // Verified through the engine itself, not the proxies.
    const verify = await verifyLayouts({
      source,
      target: config('multi-table', engine.endpoint, targetPrefix),
    })
    expect(verify.error ?? null).toBeNull()
    expect(verify.differences).toEqual([])
    expect(verify.invalid).toEqual([])
    expect(verify.ok).toBe(true)
    for (const table of ['sites', 'runs', 'pages', 'versions', 'frontier', 'pageCounts'] as const) {
      expect(verify.tables[table], table).toEqual({
        source: counts[table],
        target: counts[table],
        matched: counts[table],
      })
    }

    // Baseline: the same raw items copied by hand into the same layout, same segments.
    const raw = await withCpu(() =>
      rawCopy({
        source,
        target: config('single-table', engine.endpoint, uniqueTablePrefix('mf_raw')),
        segments: SEGMENTS,
      }),
    )
    expect(raw.items).toBeGreaterThanOrEqual(TOTAL)

    const cleanRate = rate(TOTAL, clean.durationMs)
    const faultyRate = rate(TOTAL, faulty.durationMs)
    const rawRate = rate(TOTAL, raw.durationMs)
    console.log(
      `migration ${TOTAL} items single→multi, ${SEGMENTS} segments, dynalite in process: ` +
        `no faults ${cleanRate} items/s (${clean.durationMs} ms, cpu ${clean.cpuMs} ms); ` +
        `10% faults ${faultyRate} items/s (${faulty.durationMs} ms, cpu ${faulty.cpuMs} ms; ` +
        `source ${sourceFaults} faults in ${sourceProxy.stats.requests} requests, target ${targetFaults} in ` +
        `${targetProxy.stats.requests} + ${targetProxy.stats.unprocessedItems} writes unprocessed); ` +
        `raw Scan+BatchWriteItem copy ${rawRate} items/s (${raw.durationMs} ms, cpu ${raw.cpuMs} ms, ${raw.items} raw items); ` +
        `migration/raw ${(cleanRate / rawRate).toFixed(2)} without faults, ${(faultyRate / rawRate).toFixed(2)} with; ` +
        `seed ${seedMs} ms, verify ${verify.durationMs} ms`,
    )
  }, 480_000)
})
