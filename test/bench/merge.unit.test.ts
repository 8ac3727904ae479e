import { describe, expect, it } from 'vitest'
import { mergeResults } from '../../bench/merge.js'
import type { BenchResults, MemoryRow } from '../../bench/report/types.js'

const row = (engine: 'dynalite' | 'dynamodb-local', peakRssMb: number) =>
  ({ engine, layout: 'single-table', scenario: 'bulk-save-pages', peakRssMb }) as MemoryRow

function results(over: Partial<BenchResults>): BenchResults {
  return {
    quick: false,
    sections: [],
    engines: [],
    patterns: [],
    reference: [],
    overhead: [],
    growth: [],
    crawl: [],
    memory: [],
    migrationMemory: [],
    skipped: [],
    errors: [],
    commit: 'base',
    dirty: false,
    generatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  } as BenchResults
}

describe('mergeResults', () => {
  const base = results({
    sections: ['memory', 'crawl'],
    memory: [row('dynalite', 900), row('dynamodb-local', 800)],
    errors: [
      { engine: 'dynalite', section: 'memory', message: 'old memory error' },
      { engine: 'dynalite', section: 'crawl', message: 'crawl error' },
    ],
  })
  const later = results({
    sections: ['memory'],
    engines: [{ name: 'dynalite', label: 'dynalite', measured: true, sections: ['memory'] }],
    memory: [row('dynalite', 150)],
    commit: 'later',
  })

  it("replaces the later run's sections on its engines, keeps everything else, and records the amendment", () => {
    const merged = mergeResults(base, later)
    expect(merged.memory.map((r) => [r.engine, r.peakRssMb])).toEqual([
      ['dynamodb-local', 800],
      ['dynalite', 150],
    ])
    expect(merged.errors.map((e) => e.message)).toEqual(['crawl error'])
    expect(merged.commit).toBe('base')
    expect(merged.amendments).toEqual([
      {
        sections: ['memory'],
        engines: ['dynalite'],
        commit: 'later',
        dirty: false,
        generatedAt: later.generatedAt,
      },
    ])
    expect(base.memory).toHaveLength(2)
  })

  it('refuses to mix a quick run into a full one', () => {
    expect(() => mergeResults(base, { ...later, quick: true })).toThrow(/quick/)
  })

  it('takes a later cold-start section (measured on no engine) and keeps the earlier one otherwise', () => {
    const cold = (ms: number) => ({
      measuredAt: '2026-01-02T00:00:00.000Z',
      runs: 3,
      sdk: { ms: 100, cpuMs: 150 },
      library: { ms, cpuMs: 200 },
      nodeCpuMs: 50,
      bundleBytes: 1_000_000,
      bundleByPackage: [] as [string, number][],
    })
    const withCold = results({ sections: ['cold-start'], coldStart: cold(180) })
    expect(
      mergeResults(withCold, results({ sections: ['cold-start'], coldStart: cold(120) })).coldStart?.library
        .ms,
    ).toBe(120)
    expect(mergeResults(withCold, later).coldStart?.library.ms).toBe(180)
  })
})
