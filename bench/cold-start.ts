/**
 * Cold start of a Lambda handler: `npx tsx bench/cold-start.ts` prints (markdown) the wall and CPU
 * time of importing the package, against importing `@aws-sdk/client-dynamodb` and
 * `@aws-sdk/lib-dynamodb` alone, each in fresh Node processes (median of 9), and the esbuild-minified
 * bundle of a handler that calls createStorageBackend + getPage, with the packages in it by size.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUNS = 9
const work = mkdtempSync(join(tmpdir(), 'ragcrawl-cold-'))

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

function timeImports(specifiers: string[]): { ms: number; cpuMs: number } {
  const probe = join(ROOT, `.cold-start-probe-${process.pid}.mjs`)
  writeFileSync(
    probe,
    `const t = performance.now()
for (const m of ${JSON.stringify(specifiers)}) await import(m)
const c = process.cpuUsage()
console.log(JSON.stringify({ ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000 }))\n`,
  )
  try {
    const runs = Array.from(
      { length: RUNS },
      () =>
        JSON.parse(execFileSync(process.execPath, [probe], { cwd: ROOT, encoding: 'utf8' })) as {
          ms: number
          cpuMs: number
        },
    )
    return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)) }
  } finally {
    rmSync(probe, { force: true })
  }
}

async function handlerBundle(): Promise<{ bytes: number; byPackage: [string, number][] }> {
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

const entry = await packageEntry()
try {
  const sdk = timeImports(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'])
  const library = timeImports([entry])
  const node = timeImports([])
  const bundle = await handlerBundle()
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`
  console.log(
    `| import | wall ms (median of ${RUNS}) | CPU ms of the process (Node's own start: ${node.cpuMs.toFixed(0)}) |`,
  )
  console.log('|---|---|---|')
  console.log(
    `| @aws-sdk/client-dynamodb + @aws-sdk/lib-dynamodb | ${sdk.ms.toFixed(0)} | ${sdk.cpuMs.toFixed(0)} |`,
  )
  console.log(
    `| ragcrawl-dynamodb | ${library.ms.toFixed(0)} (${(library.ms / sdk.ms).toFixed(2)}×) | ${library.cpuMs.toFixed(0)} (${(
      (library.cpuMs - node.cpuMs) / (sdk.cpuMs - node.cpuMs)
    ).toFixed(2)}× past Node's start) |`,
  )
  console.log()
  console.log(
    `Handler bundle (esbuild, minified, ESM, node20): ${(bundle.bytes / 1e6).toFixed(2)} MB; largest parts: ${bundle.byPackage
      .slice(0, 8)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(', ')}.`,
  )
} finally {
  rmSync(entry, { force: true })
  rmSync(work, { recursive: true, force: true })
}
