import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloudFormationTemplate } from '../../src/cli/cloudformation.js'
import type { CliIO } from '../../src/cli/output.js'
import { ProgressReporter } from '../../src/cli/progress.js'
import {
  createStorageBackend,
  iamPolicy,
  type MigrationReport,
  type StorageBackend,
  tableDefinitions,
  type VerifyReport,
} from '../../src/index.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { frontierItem, page, run, site, version } from '../support/fixtures.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Child processes at once: the machine has two cores, and the engine runs in this process. */
const PARALLEL_CHILDREN = 3
const TIMEOUT_MS = 300_000

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

let bundle: string
let running = 0
const waiting: (() => void)[] = []

/**
 * Runs the CLI as a child process: `src/cli/main.ts` bundled once by esbuild (what tsup uses for
 * `dist/cli/main.js`), dependencies left external, run by plain node. A third of the CPU of
 * `node --import tsx` per process, which matters on two cores.
 */
async function cli(...args: string[]): Promise<Result> {
  if (running >= PARALLEL_CHILDREN) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await spawnCli(args)
  } finally {
    running--
    waiting.shift()?.()
  }
}

function spawnCli(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_REGION: 'us-east-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Failure (1) or bad usage (2): exactly one line on stderr, the reason, no stack. */
function expectOneLineFailure(result: Result, code: 1 | 2, reason: RegExp): void {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code })
  expect(result.stderr.endsWith('\n')).toBe(true)
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(/^error: /)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  expect(result.stderr).toMatch(reason)
}

let engine: EmbeddedEngine
let endpoint: string
let workDir: string

let bundleDir: string

beforeAll(async () => {
  // Inside the project, so the bundle's bare imports resolve to its node_modules.
  await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true })
  bundleDir = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'ragcrawl-cli-test-'))
  bundle = join(bundleDir, 'main.mjs')
  const [started] = await Promise.all([
    startLocalEngine(),
    build({
      entryPoints: [join(ROOT, 'src/cli/main.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    }),
  ])
  engine = started
  endpoint = engine.endpoint
  workDir = await mkdtemp(join(tmpdir(), 'ragcrawl-cli-'))
})

afterAll(async () => {
  await engine?.stop()
  for (const dir of [workDir, bundleDir]) if (dir) await rm(dir, { recursive: true, force: true })
})

describe.concurrent('ragcrawl-dynamodb CLI (child processes)', { timeout: TIMEOUT_MS }, () => {
  // First: the longest child (it seeds 300 frontier URLs whatever --pages), overlapping the rest.
  // multi-table alone: the demo's own migrate-and-verify step runs only with single-table.
  it('demo runs on the embedded engine (--json)', async () => {
    const result = await cli('demo', '--pages', '3', '--layout', 'multi-table', '--json')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const demo = JSON.parse(result.stdout) as { layout: string; costs: unknown[] }[]
    expect(demo.map((d) => d.layout)).toEqual(['multi-table'])
    expect(demo[0]!.costs.length).toBeGreaterThan(0)
  })

  it('bad usage exits 2 with one line: unknown command or option, missing or bad value, bad config', async () => {
    const cases: [string[], RegExp][] = [
      [[], /missing command/],
      [['bogus'], /unknown command 'bogus'/],
      [['help', 'bogus'], /no such command/],
      [['schema', '--frmat', 'json'], /unknown option '--frmat'.*--format/],
      [['schema', '--format', 'yaml'], /'yaml' is invalid/],
      [['migrate', '--from', 'single-table'], /required option '--to <layout>'/],
      [['migrate', '--from', 'single-table', '--to', 'single-table'], /share table ragcrawl_data/],
      [['init', '--prefix', 'bad prefix'], /--prefix may hold only/],
      [['migrate', '--from', 'single-table', '--to', 'multi-table', '--segments', '0'], /--segments/],
      [['iam-policy', '--account', 'abc'], /--account must be a 12-digit/],
      [['demo', '--pages', 'x'], /--pages/],
    ]
    const results = await Promise.all(cases.map(([args]) => cli(...args)))
    results.forEach((result, i) => {
      expectOneLineFailure(result, 2, cases[i]![1])
      expect(result.stdout).toBe('')
    })
  })

  it('--help of each command exits 0 with an example', async () => {
    const [top, migrate] = await Promise.all([cli('--help'), cli('migrate', '--help')])
    expect(top.code).toBe(0)
    for (const command of ['demo', 'init', 'health', 'migrate', 'verify', 'schema', 'iam-policy', 'stats'])
      expect(top.stdout).toContain(command)
    expect(migrate.code).toBe(0)
    expect(migrate.stdout).toMatch(/--checkpoint <file>/)
    expect(migrate.stdout).toMatch(/Examples?:\n\s+\$ ragcrawl-dynamodb migrate/)
  })

  it('schema --format json prints exactly tableDefinitions; cloudformation a template with TTL', async () => {
    const [single, multi, template] = await Promise.all([
      cli('schema', '--prefix', 'cli_'),
      cli('schema', '--format', 'json', '--layout', 'multi-table', '--prefix', 'cli_', '--json'),
      cli('schema', '--format', 'cloudformation', '--layout', 'multi-table', '--prefix', 'cli_'),
    ])
    expect(single.code).toBe(0)
    expect(JSON.parse(single.stdout)).toEqual(tableDefinitions({ backend: { tablePrefix: 'cli_' } }))
    expect(multi.code).toBe(0)
    expect(JSON.parse(multi.stdout)).toEqual(
      tableDefinitions({ backend: { tablePrefix: 'cli_', layout: 'multi-table' } }),
    )
    expect(template.code).toBe(0)
    const cfn = JSON.parse(template.stdout)
    expect(cfn.AWSTemplateFormatVersion).toBe('2010-09-09')
    const tables = Object.values(cfn.Resources) as { Type: string; Properties: Record<string, unknown> }[]
    expect(tables.map((t) => t.Type)).toEqual(Array(5).fill('AWS::DynamoDB::Table'))
    expect(tables.map((t) => t.Properties.TableName)).toEqual(
      ['sites', 'runs', 'pages', 'versions', 'frontier'].map((t) => `cli_${t}`),
    )
    const withTtl = tables.filter((t) => t.Properties.TimeToLiveSpecification)
    expect(withTtl.map((t) => t.Properties.TableName)).toEqual(['cli_frontier'])
    expect(withTtl[0]!.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true })
  })

  it('iam-policy prints the policy document; --migration-source only what a migration reads', async () => {
    const [target, source] = await Promise.all([
      cli('iam-policy', '--layout', 'multi-table', '--prefix', 'cli_', '--account', '123456789012'),
      cli('iam-policy', '--prefix', 'cli_', '--migration-source', '--json'),
    ])
    expect(target.code).toBe(0)
    expect(JSON.parse(target.stdout)).toEqual(
      iamPolicy({ backend: { layout: 'multi-table', tablePrefix: 'cli_' } }, { accountId: '123456789012' }),
    )
    expect(source.code).toBe(0)
    expect(JSON.parse(source.stdout).Statement[0].Action).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ])
  })

  it('init against an unreachable endpoint exits 1 with one line', async () => {
    const port = await closedPort()
    const result = await cli('init', '--endpoint', `http://127.0.0.1:${port}`, '--json')
    expectOneLineFailure(result, 1, /ECONNREFUSED/)
    expect(result.stdout).toBe('')
  })

  it('init, health and stats on a seeded site', async () => {
    const prefix = uniqueTablePrefix('cli_stats')
    const init = await cli('init', '--endpoint', endpoint, '--prefix', prefix, '--json')
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    expect(JSON.parse(init.stdout)).toMatchObject({
      ok: true,
      tables: [{ name: `${prefix}data`, exists: true }],
    })

    const backend = createStorageBackend({ backend: { endpointUrl: endpoint, tablePrefix: prefix } })
    const { siteId, latestRunId } = await seed(backend)
    await backend.close()

    const [health, unhealthy, stats, human, unknown] = await Promise.all([
      cli('health', '--endpoint', endpoint, '--prefix', prefix),
      cli('health', '--endpoint', endpoint, '--prefix', prefix, '--layout', 'multi-table', '--json'),
      cli('stats', '--site', siteId, '--endpoint', endpoint, '--prefix', prefix, '--json'),
      cli('stats', '--site', siteId, '--endpoint', endpoint, '--prefix', prefix),
      cli('stats', '--site', 'no-such-site', '--endpoint', endpoint, '--prefix', prefix),
    ])
    expect(health.code).toBe(0)
    expect(health.stdout).toMatch(/status\s+healthy/)
    expect(health.stdout).toContain(`${prefix}data  ACTIVE`)

    expectOneLineFailure(unhealthy, 1, new RegExp(`unhealthy multi-table.*table ${prefix}sites missing`))
    expect(JSON.parse(unhealthy.stdout)).toMatchObject({ ok: false, layout: 'multi-table' })

    expect(stats.code).toBe(0)
    const parsed = JSON.parse(stats.stdout)
    expect(parsed).toMatchObject({
      site: { siteId },
      pages: { live: 2, withTombstones: 3 },
      latestRun: { runId: latestRunId },
      runs: { count: 2, more: false },
    })
    expect(human.code).toBe(0)
    expect(human.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^site\\s+${siteId} \\(Example\\)`)),
      expect.stringMatching(/^pages\s+2 live, 3 with tombstones$/),
      expect.stringMatching(new RegExp(`^latest run\\s+${latestRunId}, completed`)),
      expect.stringMatching(/^runs\s+2$/),
    ])
    expectOneLineFailure(unknown, 1, /site "no-such-site" not found/)
  })

  it('migrate and verify round trip: single-table → multi-table → single-table', async () => {
    const prefix = uniqueTablePrefix('cli_mig')
    const back = uniqueTablePrefix('cli_back')
    const source = createStorageBackend({ backend: { endpointUrl: endpoint, tablePrefix: prefix } })
    await source.initialize()
    const { siteId, pageId } = await seed(source)
    const original = await source.getPage(siteId, pageId)
    await source.close()
    const common = ['--endpoint', endpoint, '--prefix', prefix]
    const checkpoint = join(workDir, 'migrate.json')

    const [missing, dryRun] = await Promise.all([
      cli(
        'migrate',
        '--from',
        'multi-table',
        '--to',
        'single-table',
        '--endpoint',
        endpoint,
        '--from-prefix',
        'cli_none_',
        '--to-prefix',
        'cli_none2_',
      ),
      cli('migrate', '--from', 'single-table', '--to', 'multi-table', ...common, '--dry-run', '--json'),
    ])
    expectOneLineFailure(missing, 1, /migration stopped: source unreachable or missing/)
    expect(dryRun.code).toBe(0)
    expect(JSON.parse(dryRun.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      tables: { pages: { read: 3, written: 0 } },
    })

    const forward = await cli(
      'migrate',
      '--from',
      'single-table',
      '--to',
      'multi-table',
      ...common,
      '--checkpoint',
      checkpoint,
      '--segments',
      '2',
      '--json',
    )
    expect(forward.stderr).toBe('')
    expect(forward.code).toBe(0)
    const report = JSON.parse(forward.stdout) as MigrationReport
    expect(report).toMatchObject({
      ok: true,
      dryRun: false,
      checkpoint,
      tables: { pages: { read: 3, written: 3 } },
    })
    expect(report.error ?? null).toBeNull()

    const verified = await cli('verify', '--from', 'single-table', '--to', 'multi-table', ...common)
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/^pages\s+3\s+3\s+3$/m)
    expect(verified.stdout).toMatch(/match/)

    const backward = await cli(
      'migrate',
      '--from',
      'multi-table',
      '--to',
      'single-table',
      '--endpoint',
      endpoint,
      '--from-prefix',
      prefix,
      '--to-prefix',
      back,
    )
    expect(backward.stderr).toBe('')
    expect(backward.code).toBe(0)
    expect(backward.stdout).toMatch(/^pages\s+3\s+3\s+0\s+0$/m)
    expect(backward.stdout).toMatch(/migrated multi-table .* → single-table/)

    const roundTrip = createStorageBackend({ backend: { endpointUrl: endpoint, tablePrefix: back } })
    expect(await roundTrip.getPage(siteId, pageId)).toEqual(original)
    const same = await cli(
      'verify',
      '--from',
      'single-table',
      '--to',
      'single-table',
      '--endpoint',
      endpoint,
      '--from-prefix',
      prefix,
      '--to-prefix',
      back,
      '--json',
    )
    expect(same.stderr).toBe('')
    expect(same.code).toBe(0)
    expect(JSON.parse(same.stdout)).toMatchObject({ ok: true, differences: [] })

    await roundTrip.savePage({ ...original!, etag: 'changed after the migration' })
    await roundTrip.close()
    const differs = await cli(
      'verify',
      '--from',
      'single-table',
      '--to',
      'single-table',
      '--endpoint',
      endpoint,
      '--from-prefix',
      prefix,
      '--to-prefix',
      back,
      '--json',
    )
    expectOneLineFailure(differs, 1, /layouts differ: 1 different/)
    const verify = JSON.parse(differs.stdout) as VerifyReport
    expect(verify.ok).toBe(false)
    expect(verify.differences).toEqual([
      { table: 'pages', key: JSON.stringify([siteId, pageId]), kind: 'different' },
    ])
  })
})

describe('progress', () => {
  function fakeIO(tty: boolean) {
    let now = 0
    const out: string[] = []
    const err: string[] = []
    const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), errIsTTY: tty, now: () => now }
    return { io, out, err, advance: (ms: number) => (now += ms) }
  }

  it('redraws one bar on a terminal (stderr, \\r) with rate and ETA, and erases it when done', () => {
    const { io, out, err, advance } = fakeIO(true)
    const progress = new ProgressReporter(io, 'migrate')
    advance(2_000)
    progress.update({ items: 1_000, segmentsDone: 2, segmentsTotal: 8 })
    advance(50)
    progress.update({ items: 1_010, segmentsDone: 2, segmentsTotal: 8 }) // under 100 ms: not redrawn
    progress.finish()
    expect(out).toEqual([])
    expect(err).toHaveLength(2)
    expect(err[0]).toBe(
      `\rmigrate ${'█'.repeat(6)}${'░'.repeat(18)} 2/8 segments  1,000 items  500 items/s  ETA 6.0 s\x1b[K`,
    )
    expect(err[1]).toBe('\r\x1b[K')
  })

  it('leaves what a resumed checkpoint had done out of the rate and the ETA', () => {
    const { io, out, advance } = fakeIO(false)
    const progress = new ProgressReporter(io, 'migrate', { baseline: { items: 900, segmentsDone: 2 } })
    advance(1_000)
    progress.update({ items: 1_000, segmentsDone: 4, segmentsTotal: 8 })
    expect(out).toEqual(['migrate: 4/8 segments  1,000 items  100 items/s  ETA 2.0 s\n'])
  })

  it('prints plain lines elsewhere, at most one per second, none for a quick run', () => {
    const { io, out, err, advance } = fakeIO(false)
    const progress = new ProgressReporter(io, 'verify')
    progress.update({ items: 10, segmentsDone: 0, segmentsTotal: 4 })
    for (let i = 0; i < 29; i++) {
      advance(100)
      progress.update({ items: 10 * i, segmentsDone: Math.floor(i / 10), segmentsTotal: 4 })
    }
    progress.finish()
    expect(err).toEqual([])
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/^verify: 0\/4 segments {2}90 items {2}90 items\/s {2}ETA \?\n$/)
  })
})

describe('cloudFormationTemplate', () => {
  it('carries provisioned throughput to tables and indexes, and TTL on the single table', () => {
    const config = {
      backend: { billingMode: 'PROVISIONED', readCapacityUnits: 5, writeCapacityUnits: 2 },
    } as const
    const template = cloudFormationTemplate(tableDefinitions(config), {
      description: 'test',
      ttlTables: ['ragcrawl_data'],
      ttlAttribute: 'ttl',
      tablePrefix: 'ragcrawl_',
    })
    const table = template.Resources.DataTable as { Properties: Record<string, unknown> }
    expect(table.Properties).toMatchObject({
      TableName: 'ragcrawl_data',
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 2 },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    })
    const indexes = table.Properties.GlobalSecondaryIndexes as { ProvisionedThroughput: unknown }[]
    expect(indexes).toHaveLength(5) // gsi1–gsi5
    for (const index of indexes)
      expect(index.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 2 })
  })
})

/** A site with two runs, three pages (one a tombstone), a committed version and a frontier item. */
async function seed(
  backend: StorageBackend,
): Promise<{ siteId: string; pageId: string; latestRunId: string }> {
  const s = await backend.saveSite(site())
  const first = await backend.saveRun(
    run(s.siteId, { status: 'completed', createdAt: new Date('2026-01-01T00:00:00Z') }),
  )
  const latest = await backend.saveRun(
    run(s.siteId, {
      status: 'completed',
      createdAt: new Date('2026-01-02T00:00:00Z'),
      completedAt: new Date('2026-01-02T01:00:00Z'),
    }),
  )
  expect(first.runId).not.toBe(latest.runId)
  const pages = await Promise.all([
    backend.savePage(page(s.siteId, 'https://example.com/')),
    backend.savePage(page(s.siteId, 'https://example.com/a')),
    backend.savePage(page(s.siteId, 'https://example.com/gone', { isTombstone: true })),
  ])
  await backend.commitVersion(pages[0], version(pages[0]))
  await backend.saveFrontierItem(frontierItem(latest.runId, s.siteId, 'https://example.com/b'))
  return { siteId: s.siteId, pageId: pages[0].pageId, latestRunId: latest.runId }
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
