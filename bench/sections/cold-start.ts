/**
 * Cold start of a Lambda handler (no engine): the wall and CPU time of importing the package,
 * against importing `@aws-sdk/client-dynamodb` and `@aws-sdk/lib-dynamodb` alone, each in fresh
 * Node processes (median of `runs`), and the esbuild-minified bundle of a handler that calls
 * createStorageBackend + getPage, with the packages in it by size.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

import type { ColdStartResult } from '../report/types.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The package as `dist/index.js` ships it: one ESM file, its dependencies left to Node. */
async function packageEntry(): Promise<string> {
  const outfile = join(ROOT, `.cold-start-${process.pid}.mjs`) // inside the repo: Node resolves node_modules
  await build({
    entryPoints: [join(ROOT, 'src/index.ts')],
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    logLevel: 'warning',
  })
  return outfile
}

function timeImports(specifiers: string[], runs: number): { ms: number; cpuMs: number } {
  const probe = join(ROOT, `.cold-start-probe-${process.pid}.mjs`)
  writeFileSync(
    probe,
    `const t = performance.now()
for (const m of ${JSON.stringify(specifiers)}) await import(m)
const c = process.cpuUsage()
console.log(JSON.stringify({ ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000 }))\n`,
  )
  try {
    const measured = Array.from(
      { length: runs },
      () =>
        JSON.parse(execFileSync(process.execPath, [probe], { cwd: ROOT, encoding: 'utf8' })) as {
          ms: number
          cpuMs: number
        },
    )
    return { ms: median(measured.map((r) => r.ms)), cpuMs: median(measured.map((r) => r.cpuMs)) }
  } finally {
    rmSync(probe, { force: true })
  }
}

async function handlerBundle(work: string): Promise<{ bytes: number; byPackage: [string, number][] }> {
  const handler = join(work, 'handler.ts')
  writeFileSync(
    handler,
    `import { createStorageBackend } from 'ragcrawl-dynamodb'
const backend = createStorageBackend({ backend: { layout: 'single-table', tablePrefix: 'app_' } })
export const handler = async (event: { siteId: string; pageId: string }) => backend.getPage(event.siteId, event.pageId)
`,
  )
  const result = await build({
    entryPoints: [handler],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile: join(work, 'handler.mjs'),
    alias: { 'ragcrawl-dynamodb': join(ROOT, 'src/index.ts') },
    nodePaths: [join(ROOT, 'node_modules')],
    metafile: true,
    logLevel: 'warning',
  })
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)!
  const byPackage = new Map<string, number>()
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const inModules = file.split('node_modules/').pop()!
    const name = file.includes('node_modules/')
      ? inModules
          .split('/')
          .slice(0, inModules.startsWith('@') ? 2 : 1)
          .join('/')
      : 'ragcrawl-dynamodb (src)'
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput)
  }
  return { bytes: output.bytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]) }
}

export async function runColdStart(runs: number): Promise<ColdStartResult> {
  const work = mkdtempSync(join(tmpdir(), 'ragcrawl-cold-'))
  const entry = await packageEntry()
  try {
    const sdk = timeImports(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'], runs)
    const library = timeImports([entry], runs)
    const node = timeImports([], runs)
    const bundle = await handlerBundle(work)
    return {
      measuredAt: new Date().toISOString(),
      runs,
      sdk,
      library,
      nodeCpuMs: node.cpuMs,
      bundleBytes: bundle.bytes,
      bundleByPackage: bundle.byPackage.slice(0, 8),
    }
  } finally {
    rmSync(entry, { force: true })
    rmSync(work, { recursive: true, force: true })
  }
}
