import type { PatternFixture } from '../../src/demo/access-patterns.js'
import { uniqueTablePrefix } from '../../src/testing/index.js'
import type { RunningEngine } from '../engines.js'
import type { CrawlData } from '../reference/export.js'
import { REFERENCE_DELETE_SITE, REFERENCE_PATTERNS, referenceDeleteSite } from '../reference/patterns.js'
import {
  createReferenceTables,
  dropReferenceTables,
  loadReference,
  referenceTableNames,
} from '../reference/tables.js'
import type { ReferenceResult, ReferenceRow } from '../report/types.js'
import { costOf } from '../support/cost.js'
import { RawClient } from '../support/raw-client.js'
import { summarize } from '../support/stats.js'
import { DELETED_SITE } from './patterns.js'

/**
 * The Python reference's call patterns on tables shaped like its own, loaded with the same records
 * the library's patterns ran on, on the same engine: one untimed call for the cost, then
 * `repetitions` timed ones; last, its deleteSite once.
 */
export async function runReference(
  engine: RunningEngine,
  data: CrawlData,
  fixture: PatternFixture,
  repetitions: number,
): Promise<ReferenceResult> {
  const raw = new RawClient(engine.endpoint)
  const tables = referenceTableNames(uniqueTablePrefix('bench_reference'))
  try {
    await createReferenceTables(raw, tables)
    await loadReference(raw, tables, data)
    const rows: ReferenceRow[] = []
    for (const pattern of REFERENCE_PATTERNS) {
      const first = await costOf(raw, () => pattern.run(raw, tables, fixture))
      const samples: number[] = []
      for (let i = 0; i < repetitions; i++) {
        samples.push((await costOf(raw, () => pattern.run(raw, tables, fixture))).ms)
      }
      rows.push({
        name: pattern.name,
        callPattern: pattern.callPattern,
        ...first.cost,
        result: first.value,
        latency: summarize(samples),
      })
    }
    const deleted = await costOf(raw, () => referenceDeleteSite(raw, tables, DELETED_SITE))
    return {
      engine: engine.name,
      engineLabel: engine.label,
      measuredAt: new Date().toISOString(),
      data: {
        sites: data.sites.length,
        runs: data.runs.length,
        pages: data.pages.length,
        versions: data.versions.length,
        frontierItems: data.frontier.length,
      },
      tables: Object.values(tables),
      rows,
      deleteSite: {
        siteId: DELETED_SITE,
        callPattern: REFERENCE_DELETE_SITE,
        ...deleted.cost,
        result: `${deleted.value} records deleted`,
        ms: deleted.ms,
      },
    }
  } finally {
    await dropReferenceTables(raw, tables)
    raw.destroy()
  }
}
