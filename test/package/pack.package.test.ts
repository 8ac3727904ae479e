import { execFile } from 'node:child_process'
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * What a user gets: the checkout's files as a clone has them are packed with `npm pack` (whose
 * `prepack` builds), the tarball is installed from the registry into an empty folder, and plain
 * node runs `import`, `require`, the testing helper, the type declarations and the bin there.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PROBES = fileURLToPath(new URL('./probe/', import.meta.url))
const SETUP_TIMEOUT_MS = 300_000
const STEP_TIMEOUT_MS = 120_000
const run = promisify(execFile)

interface PackedFile {
  path: string
}
interface PackResult {
  filename: string
  size: number
  unpackedSize: number
  files: PackedFile[]
}

let work: string
let app: string
let packed: PackResult

/** Environment of the children: without what `npm run` sets for this project's own scripts. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/.test(key) ||
      key === 'INIT_CWD'
    ) {
      delete env[key]
    }
  }
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`
  return env
}

async function exec(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, {
      cwd,
      env: childEnv(),
      maxBuffer: 64 * 1024 * 1024,
      timeout: STEP_TIMEOUT_MS,
    })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr}\n${stdout}`.slice(0, 8000))
  }
}

/** Tracked files and untracked ones git does not ignore: a clone once they are committed. */
async function copyCheckout(to: string): Promise<void> {
  const { stdout } = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
  for (const path of stdout.split('\0').filter(Boolean)) {
    const stat = await lstat(join(ROOT, path)).catch(() => undefined)
    if (!stat?.isFile()) continue // deleted in the work tree, or the node_modules link of a worktree
    await mkdir(dirname(join(to, path)), { recursive: true })
    await copyFile(join(ROOT, path), join(to, path))
  }
  await symlink(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir')
}

/** npm prints the prepack build's log (coloured under CI=true: `\x1b[34m`) before the JSON array. */
function packJson(stdout: string): string {
  const start = stdout.search(/^\[\s*$/m)
  if (start < 0) throw new Error(`npm pack --json printed no JSON array:\n${stdout.slice(0, 4000)}`)
  return stdout.slice(start)
}

async function node(args: string[]): Promise<string> {
  return (await exec(process.execPath, args, app)).stdout
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)))
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ragcrawl-pack-'))
  const checkout = join(work, 'checkout')
  app = join(work, 'app')
  await copyCheckout(checkout)
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], checkout)
  packed = (JSON.parse(packJson(stdout)) as PackResult[])[0]!
  await mkdir(app)
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-probe', private: true }))
  const tarball = join(work, packed.filename)
  await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball],
    app,
  )
  for (const probe of ['esm.mjs', 'cjs.cjs']) await copyFile(join(PROBES, probe), join(app, probe))
}, SETUP_TIMEOUT_MS)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('npm pack of the checkout', () => {
  it('ships the built ESM, CJS, declarations, testing helper and an ESM-only bin; no sources', () => {
    const paths = packed.files.map((f) => f.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
        'dist/testing/index.js',
        'dist/testing/index.cjs',
        'dist/testing/index.d.ts',
        'dist/testing/index.d.cts',
        'dist/cli/main.js',
      ]),
    )
    expect(paths.filter((p) => /^(src|test|bench)\//.test(p) || p.startsWith('dist/cli/main.cjs'))).toEqual(
      [],
    )
  })

  it('holds one copy of the library per module format: the bin runs the modules the entry exports', async () => {
    const dist = join(app, 'node_modules', 'ragcrawl-dynamodb', 'dist')
    const defining: string[] = []
    for (const file of await filesUnder(dist)) {
      if (!/\.c?js$/.test(file)) continue
      const text = await readFile(join(dist, file), 'utf8')
      if (/(class StorageError|StorageError = class) extends Error\b/.test(text)) defining.push(file)
    }
    expect(defining.sort()).toEqual(['index.cjs', expect.stringMatching(/^shared\/chunk-[\w-]+\.js$/)])
    expect(await readFile(join(dist, 'cli', 'main.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })

  it('import: the package and its testing helper run end to end; the engine loads only when used', async () => {
    const report = JSON.parse(await node(['esm.mjs']))
    expect(report.exports).toEqual(
      expect.arrayContaining(['createStorageBackend', 'paginate', 'ValidationError']),
    )
    expect(report.testingExports).toEqual(['assertLoopbackEndpoint', 'startLocalEngine', 'uniqueTablePrefix'])
    expect(report).toMatchObject({
      engineLoadedByImport: false,
      engineLoadedByEmbedded: true,
      testingHealthy: true,
      validationError: true,
    })
    expect(report.sites.sort()).toEqual(['a', 'b', 'c'])
  })

  it('require: the package and its testing helper run end to end', async () => {
    const report = JSON.parse(await node(['cjs.cjs']))
    expect(report.exports).toEqual(
      expect.arrayContaining(['createStorageBackend', 'paginate', 'ValidationError']),
    )
    expect(report.testingExports).toEqual(['assertLoopbackEndpoint', 'startLocalEngine', 'uniqueTablePrefix'])
    expect(report.engineLoadedByRequire).toBe(false)
    expect(report.sites.sort()).toEqual(['a', 'b', 'c'])
  })

  it('types: TypeScript finds the declarations for import (.d.ts) and require (.d.cts)', async () => {
    const probe = (
      kind: string,
    ) => `import { createStorageBackend, paginate, type Page, type StorageBackend } from 'ragcrawl-dynamodb'
import { startLocalEngine } from 'ragcrawl-dynamodb/testing'
export const pages = (backend: StorageBackend): AsyncIterable<Page> => paginate((o) => backend.listPages('s', o))
export const start = startLocalEngine
// @ts-expect-error a backend is not a number: fails if the ${kind} declarations are not found (any)
export const wrong: number = createStorageBackend()
`
    await writeFile(join(app, 'types-esm.mts'), probe('ESM'))
    await writeFile(join(app, 'types-cjs.cts'), probe('CJS'))
    const compilerOptions = { noEmit: true, strict: true, skipLibCheck: true, module: 'node16', types: [] }
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['types-esm.mts', 'types-cjs.cts'] }),
    )
    await node([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app])
  })

  it('bin: --help and schema --format json run with plain node', async () => {
    const bin = join(app, 'node_modules', '.bin', 'ragcrawl-dynamodb')
    const help = await exec(bin, ['--help'], app)
    expect(help.stdout).toMatch(/^Usage: ragcrawl-dynamodb /)
    expect(help.stdout).toContain('schema')
    const schema = JSON.parse((await exec(bin, ['schema', '--format', 'json'], app)).stdout)
    expect(schema.map((d: { TableName: string }) => d.TableName)).toEqual(['ragcrawl_data'])
  })
})
