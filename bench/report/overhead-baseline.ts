import type { EngineName } from '../options.js'

/** An overhead row's id, the same whatever the run's sizes. */
export type OverheadKey = 'put' | 'save' | 'get' | 'url' | 'list' | 'commit' | 'claim' | 'bulk' | 'bulk-blind'

/**
 * main's figures when issue 13 was filed (run of 2026-11-25 at commit a55cf17, both engines; the
 * DynamoDB Local bulk save against blind puts: 0.25, run of 2026-12-02 at e7223fb before the
 * PartiQL path), kept as a column beside each run's: library/raw and the library's extra CPU per
 * operation in ms (lib − raw CPU ms/op).
 */
export const MAIN_BASELINE: Record<
  EngineName,
  Partial<Record<OverheadKey, { ratio: number; extraCpuMs?: number }>>
> = {
  dynalite: {
    put: { ratio: 0.8, extraCpuMs: 2.97 },
    save: { ratio: 0.74, extraCpuMs: 1.38 },
    get: { ratio: 0.75, extraCpuMs: 0.65 },
    url: { ratio: 0.64, extraCpuMs: 1.09 },
    list: { ratio: 0.82, extraCpuMs: 4.6 },
    commit: { ratio: 0.8, extraCpuMs: 2.52 },
    claim: { ratio: 0.73, extraCpuMs: 3.1 },
    bulk: { ratio: 0.72, extraCpuMs: 1.68 },
    'bulk-blind': { ratio: 0.17 },
  },
  'dynamodb-local': {
    put: { ratio: 0.84, extraCpuMs: 1.61 },
    save: { ratio: 0.81, extraCpuMs: 1.61 },
    get: { ratio: 0.84, extraCpuMs: 0.08 },
    url: { ratio: 0.67, extraCpuMs: 0.85 },
    list: { ratio: 0.82, extraCpuMs: 4.48 },
    commit: { ratio: 0.87, extraCpuMs: 1.56 },
    claim: { ratio: 0.82, extraCpuMs: 1.4 },
    bulk: { ratio: 0.68, extraCpuMs: 1.34 },
    'bulk-blind': { ratio: 0.25 },
  },
}
