import { COLD_START_GOALS } from '../options.js'
import { date, num, table } from './format.js'
import type { BenchResults } from './types.js'

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`

export function renderColdStart(results: BenchResults): string {
  const cold = results.coldStart
  const parts = ['## 8. Cold start', '']
  if (!cold) return [...parts, '_Not measured in this run._'].join('\n')
  const importRatio = cold.library.ms / cold.sdk.ms
  const cpuRatio = (cold.library.cpuMs - cold.nodeCpuMs) / (cold.sdk.cpuMs - cold.nodeCpuMs)
  const met = (ok: boolean) => (ok ? 'yes' : '**no**')
  return [
    ...parts,
    `_Measured ${date(cold.measuredAt)}, Node ${results.node}, no engine: importing the package (its code as \`dist/index.js\` ships it, dependencies from node_modules) against importing \`@aws-sdk/client-dynamodb\` + \`@aws-sdk/lib-dynamodb\` alone, each in ${cold.runs} fresh processes (medians); and the esbuild-minified ESM bundle (node20) of a Lambda handler that calls \`createStorageBackend\` + \`getPage\`. Wall time on the shared 2 cores: read the ratio, not the milliseconds._`,
    '',
    table(
      ['measure', 'ragcrawl-dynamodb', 'SDK alone', 'ratio', 'goal', 'main'],
      [
        [
          'import, wall ms',
          num(cold.library.ms, 0),
          num(cold.sdk.ms, 0),
          `${num(importRatio, 2)}×`,
          `≤ ${COLD_START_GOALS.importRatio}×: ${met(importRatio <= COLD_START_GOALS.importRatio)}`,
          '1.75× (measured 2026-12-02 at e7223fb)',
        ],
        [
          `import, CPU ms past Node's own start (${num(cold.nodeCpuMs, 0)})`,
          num(cold.library.cpuMs - cold.nodeCpuMs, 0),
          num(cold.sdk.cpuMs - cold.nodeCpuMs, 0),
          `${num(cpuRatio, 2)}×`,
          '–',
          '1.81× (measured 2026-12-02 at e7223fb)',
        ],
        [
          'handler bundle, minified',
          MB(cold.bundleBytes),
          '–',
          '–',
          `< ${MB(COLD_START_GOALS.issueBundleBytes)}: ${met(cold.bundleBytes < COLD_START_GOALS.issueBundleBytes)}; < main measured this way: ${met(cold.bundleBytes < COLD_START_GOALS.mainBundleBytes)}`,
          `${MB(COLD_START_GOALS.mainBundleBytes)} measured this way (dynalite bundled); ${MB(COLD_START_GOALS.issueBundleBytes)} as issue 13 measured it`,
        ],
      ],
    ),
    '',
    `Largest parts of the bundle: ${cold.bundleByPackage.map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`).join(', ')}.`,
  ].join('\n')
}
