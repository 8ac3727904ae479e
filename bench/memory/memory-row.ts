import type { RunningEngine } from '../engines.js'
import type { LayoutName } from '../layouts.js'
import type { MemoryRow } from '../report/types.js'
import type { ChildReport } from './child.js'
import { MEMORY_SCENARIOS, type ScenarioArgs } from './scenarios.js'

const mb = (bytes: number) => bytes / 2 ** 20

/** A child's report as a row of the memory table. */
export function memoryRow(
  engine: RunningEngine,
  layout: LayoutName,
  args: ScenarioArgs,
  report: ChildReport,
): MemoryRow {
  return {
    engine: engine.name,
    layout,
    measuredAt: new Date().toISOString(),
    scenario: args.scenario,
    description: MEMORY_SCENARIOS[args.scenario]!.description(args.count),
    items: args.count,
    heapLimitMb: MEMORY_SCENARIOS[args.scenario]!.heapLimitMb ?? null,
    baselineRssMb: mb(report.baselineRssBytes),
    afterInputRssMb: mb(report.afterInputRssBytes),
    peakRssMb: mb(report.peakRssBytes),
    seconds: report.seconds,
  }
}
