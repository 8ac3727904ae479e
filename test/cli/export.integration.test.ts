import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../../src/cli/output.js'
import { runCli } from '../../src/cli/program.js'
import { createStorageBackend, type StorageBackend } from '../../src/index.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { page, site, version } from '../support/fixtures.js'

// API.md "CLI additions": `export`, in process (runCli with a recording CliIO).

function recordingIO(tty = false) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), errIsTTY: tty, now: () => Date.now() }
  return { io, stdout: () => out.join(''), stderr: () => err.join('') }
}

const lastCursor = (stderr: string) => /cursor: (\S+)\n$/.exec(stderr)?.[1]

let engine: EmbeddedEngine
let backend: StorageBackend
let dir: string
const prefix = uniqueTablePrefix('cli_export')
let siteId: string
let connection: string[]

beforeAll(async () => {
  engine = await startLocalEngine()
  dir = await mkdtemp(join(tmpdir(), 'ragcrawl-export-'))
  backend = createStorageBackend({ backend: { endpointUrl: engine.endpoint, tablePrefix: prefix } })
  await backend.initialize()
  const s = site()
  siteId = s.siteId
  connection = ['--site', siteId, '--endpoint', engine.endpoint, '--prefix', prefix]
  await backend.saveSite(s)
  const withText = page(siteId, 'https://example.com/a')
  await backend.commitVersion(withText, version(withText, { title: 'A', markdown: '# A', contentHash: 'ha' }))
  const plain = page(siteId, 'https://example.com/b')
  await backend.commitVersion(plain, version(plain, { markdown: '', plainText: 'B text', contentHash: 'hb' }))
  await backend.savePage(page(siteId, 'https://example.com/gone', { isTombstone: true }))
  await backend.savePage(page(siteId, 'https://example.com/none'))
  // The CLI's backend keeps the default changeFeedDelaySeconds (5): the changes must be that old.
  await new Promise((resolve) => setTimeout(resolve, 5_200))
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await engine?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('ragcrawl-dynamodb export', () => {
  it('writes one JSON line per changed page, the cursor last on stderr, and resumes from it', async () => {
    const first = recordingIO()
    expect(await runCli(['export', ...connection], first.io)).toBe(0)
    const lines = first
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
    const byUrl = new Map(lines.map((l) => [l.url, l]))
    expect(lines).toHaveLength(4)
    expect(byUrl.get('https://example.com/a')).toMatchObject({
      title: 'A',
      text: '# A',
      deleted: false,
      metadata: {
        siteId,
        contentHash: 'ha',
        crawledAt: '2026-01-02T00:00:00.000Z',
        versionId: expect.any(String),
      },
    })
    expect(byUrl.get('https://example.com/b')).toMatchObject({
      text: 'B text',
      metadata: { contentHash: 'hb' },
    })
    expect(byUrl.get('https://example.com/gone')).toMatchObject({ text: null, deleted: true })
    expect(byUrl.get('https://example.com/none')).toMatchObject({ text: null, deleted: false, title: null })
    for (const line of lines)
      expect(Object.keys(line.metadata).sort()).toEqual([
        'contentHash',
        'crawledAt',
        'lastChanged',
        'siteId',
        'versionId',
      ])
    const cursor = lastCursor(first.stderr())
    expect(cursor).toBeDefined()
    expect(first.stderr().trimEnd().split('\n').at(-1)).toBe(`cursor: ${cursor}`)

    const again = recordingIO()
    const out = join(dir, 'again.jsonl')
    expect(await runCli(['export', ...connection, '--since', cursor!, '--out', out], again.io)).toBe(0)
    expect(await readFile(out, 'utf8')).toBe('')
    expect(again.stdout()).toBe('')
    expect(lastCursor(again.stderr())).toBeDefined()
  })

  it('--out writes the file; a TTY gets a progress bar on stderr, erased before the cursor line', async () => {
    const tty = recordingIO(true)
    const out = join(dir, 'all.jsonl')
    expect(await runCli(['export', ...connection, '--out', out, '--format', 'jsonl'], tty.io)).toBe(0)
    expect((await readFile(out, 'utf8')).trimEnd().split('\n')).toHaveLength(4)
    expect(tty.stderr()).toMatch(/export /)
    expect(tty.stderr()).toContain('\r\x1b[K')
    expect(tty.stderr().split('\n').at(-2)).toMatch(/cursor: \S+$/)
  })

  it('exit 2 on a bad --since or --format, one line on stderr, no file written', async () => {
    for (const args of [
      ['--since', 'hand-made'],
      ['--since', ''],
      ['--format', 'csv'],
    ]) {
      const run = recordingIO()
      const out = join(dir, `bad-${args[1] || 'empty'}.jsonl`)
      expect(await runCli(['export', ...connection, ...args, '--out', out], run.io), args.join(' ')).toBe(2)
      expect(run.stderr().trimEnd().split('\n')).toHaveLength(1)
      await expect(stat(out)).rejects.toThrow()
    }
  })
})
