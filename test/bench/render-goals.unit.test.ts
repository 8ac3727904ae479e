import { describe, expect, it } from 'vitest'
import { renderGoals } from '../../bench/report/render-goals.js'
import type { BenchResults, OverheadRow } from '../../bench/report/types.js'

const row = (over: Partial<OverheadRow>): OverheadRow => ({
  operation: 'get page',
  key: 'get',
  kind: 'point',
  opsPerRound: 20,
  rounds: 20,
  libraryOpsPerSec: 100,
  rawOpsPerSec: 100,
  ratio: 1,
  libraryMsPerOp: 1,
  rawMsPerOp: 1,
  libraryCpuMsPerOp: 1,
  rawCpuMsPerOp: 1,
  libraryRequestsPerOp: 1,
  rawRequestsPerOp: 1,
  goal: true,
  ...over,
})

function results(rows: OverheadRow[]): BenchResults {
  return {
    overhead: [
      {
        engine: 'dynamodb-local',
        engineLabel: 'DynamoDB Local',
        layout: 'single-table',
        measuredAt: '',
        rows,
        equivalence: [],
      },
    ],
    memory: [],
    growth: [],
  } as unknown as BenchResults
}

describe('renderGoals', () => {
  it("judges each row against issue 13's goal for its engine, with main's figure, and says what limits a row below it", () => {
    const text = renderGoals(
      results([
        row({ ratio: 0.96 }),
        row({ operation: 'list 100 pages', key: 'list', kind: 'page', ratio: 0.9, libraryCpuMsPerOp: 3 }),
      ]),
    )
    expect(text).toContain(
      '| get page: library / raw | dynamodb-local · single-table | 0.96 | ≥ 0.95 | yes | 0.84 |',
    )
    expect(text).toContain(
      '| list 100 pages: library / raw | dynamodb-local · single-table | 0.9 | ≥ 0.95 | **no** | 0.82 |',
    )
    expect(text).toContain(
      '| list 100 pages: extra CPU per call, ms | dynamodb-local · single-table | +2.00 | ≤ 1.5 | **no** | +4.48 |',
    )
    expect(text).toMatch(
      /- list 100 pages: library \/ raw \(dynamodb-local · single-table\) 0\.9: formatting and reading 100 items/,
    )
    expect(text).not.toMatch(/- get page/)
  })

  it('renders nothing when the run measured none of the goals', () => {
    expect(renderGoals(results([]))).toBe('')
  })
})
