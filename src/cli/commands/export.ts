import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { type Command, Option } from 'commander'
import type { Page, PageVersion } from '../../model/schemas.js'
import type { StorageBackend } from '../../services/contract.js'
import { addConnectionOptions, type LayoutCommandOptions, layoutOption, withBackend } from '../options.js'
import type { CliIO } from '../output.js'
import { ProgressReporter } from '../progress.js'

type ExportOptions = LayoutCommandOptions & { site: string; since?: string; out?: string; format: 'jsonl' }

/** One exported line: the `{ id, text, metadata }` document LangChain and LlamaIndex loaders read. */
export interface ExportedDocument {
  id: string
  url: string
  title: string | null
  text: string | null
  deleted: boolean
  metadata: {
    siteId: string
    versionId: string | null
    contentHash: string | null
    crawledAt: string | null
    lastChanged: string | null
  }
}

/** A page as a document: text, title, hash and crawl time from its current version, else the page. */
export function exportedDocument(page: Page, version: PageVersion | null): ExportedDocument {
  const current = page.isTombstone ? null : version
  return {
    id: page.pageId,
    url: page.url,
    title: current?.title ?? null,
    text: current ? current.markdown || (current.plainText ?? null) : null,
    deleted: page.isTombstone,
    metadata: {
      siteId: page.siteId,
      versionId: page.currentVersionId ?? null,
      contentHash: version?.contentHash ?? page.contentHash ?? null,
      crawledAt: (version?.crawledAt ?? page.lastCrawled ?? null)?.toISOString() ?? null,
      lastChanged: page.lastChanged?.toISOString() ?? null,
    },
  }
}

/** Changed pages per call of the feed: what the export holds in memory at once. */
const BATCH = 100

export function registerExport(program: Command, io: CliIO): Command {
  const command = program
    .command('export')
    .description("a site's pages changed since a cursor, as JSON lines for RAG document loaders")
    .requiredOption('--site <id>', 'the site id')
    .option('--since <cursor>', 'the cursor a previous export printed (default: from the beginning)')
    .option('--out <file>', 'write the lines to this file (default stdout)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .addOption(layoutOption())
  addConnectionOptions(command)
  return command
    .addHelpText(
      'after',
      `
One line per changed page: { id, url, title, text, deleted, metadata: { siteId, versionId,
contentHash, crawledAt, lastChanged } }; text is the current version's markdown (else plainText),
null for a tombstone or a page without a version. The last line on stderr is "cursor: <CURSOR>":
pass it as --since next time. A progress bar on stderr on a terminal.
Exit codes: 0 done, 1 failure, 2 bad usage (a bad --since or --format included).

Example:
  $ ragcrawl-dynamodb export --site docs-example-com --since "$(cat cursor.txt)" --out changes.jsonl`,
    )
    .action(async (options: ExportOptions) => {
      await withBackend(options, async (backend) => {
        const sink = new LineSink(io, options.out)
        try {
          const cursor = await exportChanges(backend, options.site, options.since ?? null, io, sink)
          await sink.finish()
          io.err(`cursor: ${cursor}\n`)
        } finally {
          await sink.close()
        }
      })
    })
}

/** Follows the feed until caught up, one page of changes at a time; returns the cursor to resume from. */
async function exportChanges(
  backend: StorageBackend,
  siteId: string,
  since: string | null,
  io: CliIO,
  sink: LineSink,
): Promise<string> {
  // A bar only on a terminal: off one, stdout may be the export itself.
  const progress = new ProgressReporter(io, 'export', { silent: !io.errIsTTY })
  try {
    let cursor = since
    let exported = 0
    let total: number | undefined
    for (;;) {
      const { items, cursor: next } = await backend.listPageChanges(siteId, { cursor, limit: BATCH })
      cursor = next
      if (items.length === 0) return next
      total ??= await backend.countPages(siteId, { includeTombstones: true })
      const versions = await Promise.all(
        items.map(({ page }) =>
          page.currentVersionId && !page.isTombstone
            ? backend.getVersion(page.pageId, page.currentVersionId)
            : null,
        ),
      )
      for (const [i, { page }] of items.entries()) {
        await sink.write(`${JSON.stringify(exportedDocument(page, versions[i] ?? null))}\n`)
      }
      exported += items.length
      progress.update({ items: exported, segmentsDone: Math.min(exported, total), segmentsTotal: total })
    }
  } finally {
    progress.finish()
  }
}

/** Lines to stdout or to a file (opened at the first line, so a refused --since creates none), with backpressure. */
class LineSink {
  private file: WriteStream | undefined
  private closed = false

  constructor(
    private readonly io: CliIO,
    private readonly path: string | undefined,
  ) {}

  async write(line: string): Promise<void> {
    if (!this.path) return this.io.out(line)
    this.file ??= createWriteStream(this.path)
    if (!this.file.write(line)) await once(this.file, 'drain')
  }

  /** Ends the output: an empty export still leaves its (empty) file. */
  async finish(): Promise<void> {
    if (this.path) this.file ??= createWriteStream(this.path)
    await this.close()
  }

  async close(): Promise<void> {
    const file = this.file
    if (this.closed || !file) return
    this.closed = true
    await new Promise<void>((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    )
  }
}
