import { CreateTableCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName } from '../../src/engine/transport.js'
import {
  CapacityError,
  createStorageBackend,
  newRunId,
  newVersionId,
  pageIdFor,
  type StorageBackend,
  tableDefinitions,
} from '../../src/index.js'
import { SITE_MEMBER_INDEXES } from '../../src/tables/multi-table.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { useFaultyBackend } from '../support/fault-client.js'
import { collectAll, frontierItem, page, run, site, uid, version } from '../support/fixtures.js'

/** A client that holds the nth command of an operation until released, to order a race exactly. */
function gateClient(real: DynamoDBClientLike) {
  const holds: {
    operation: string
    nth: number
    seen: number
    reached: () => void
    release: Promise<void>
  }[] = []
  return {
    hold(operation: string, nth: number) {
      let reached!: () => void
      let release!: () => void
      const reachedPromise = new Promise<void>((resolve) => {
        reached = resolve
      })
      const releasePromise = new Promise<void>((resolve) => {
        release = resolve
      })
      holds.push({ operation, nth, seen: 0, reached, release: releasePromise })
      return { reached: reachedPromise, release }
    },
    async send(command: unknown, options?: unknown) {
      for (const hold of holds) {
        if (hold.operation !== operationName(command)) continue
        hold.seen += 1
        if (hold.seen === hold.nth) {
          hold.reached()
          await hold.release
        }
      }
      return real.send(command, options as never)
    },
  }
}

/** Everything left of a site, read through the public API (orphans only by the ids the test knows). */
async function leftOf(
  backend: StorageBackend,
  siteId: string,
  known: { pages?: string[]; versions?: [string, string][]; runs?: string[] },
) {
  const pages = await collectAll((cursor) => backend.listPages(siteId, { cursor, includeTombstones: true }))
  const versions = await Promise.all((known.versions ?? []).map(([p, v]) => backend.getVersion(p, v)))
  const frontier = await Promise.all(
    (known.runs ?? []).map((runId) => collectAll((cursor) => backend.getFrontierItems(runId, { cursor }))),
  )
  const byId = await Promise.all((known.pages ?? []).map((pageId) => backend.getPage(siteId, pageId)))
  return {
    site: await backend.getSite(siteId),
    pages: pages.items.length + byId.filter(Boolean).length,
    versions: versions.filter(Boolean).length,
    frontier: frontier.reduce((n, f) => n + f.items.length, 0),
    runs: (await collectAll((cursor) => backend.listRuns(siteId, { cursor }))).items.length,
    count: await backend.countPages(siteId, { includeTombstones: true }),
  }
}

const NOTHING = { site: null, pages: 0, versions: 0, frontier: 0, runs: 0, count: 0 }

describe.each(MATRIX)('page by URL behind other sites — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)

    /** The sites whose items the first page of a plain `url-index` Query (multi-table) holds. */
    async function sitesInFirstIndexPage(url: string): Promise<Set<string>> {
      const output = (await env.faults.send(
        new QueryCommand({
          TableName: `${env.config.backend?.tablePrefix}pages`,
          IndexName: 'url-index',
          KeyConditionExpression: '#url = :url',
          ProjectionExpression: '#site',
          ExpressionAttributeNames: { '#url': 'url', '#site': 'site_id' },
          ExpressionAttributeValues: { ':url': { S: url } },
        }),
      )) as { Items?: { site_id?: { S?: string } }[]; LastEvaluatedKey?: unknown }
      expect(output.LastEvaluatedKey).toBeDefined()
      return new Set((output.Items ?? []).map((item) => item.site_id?.S ?? ''))
    }

    it('getPageByUrl finds the page when other sites’ pages with the same URL fill more than 1 MB', async () => {
      const url = `https://shared.example/${uid('u')}`
      const padding = 'x'.repeat(300_000)
      // Eight sites' pages of one URL (2.4 MB): at most four fit in the first 1 MB the index returns,
      // in the engine's own order; "ours" is one the first index page does not hold.
      const saved = []
      for (let i = 0; i < 8; i++)
        saved.push(await env.clean.savePage(page(uid('site'), url, { lastError: padding })))
      const first = layout === 'multi-table' ? await sitesInFirstIndexPage(url) : new Set<string>()
      const target = saved.find((p) => !first.has(p.siteId))!
      expect(target).toBeDefined()
      const ours = target.siteId
      const found = await env.backend.getPageByUrl(ours, url)
      expect(found?.pageId).toBe(target.pageId)
      expect(found?.siteId).toBe(ours)
      expect(await env.backend.getPageByUrl(uid('none'), url)).toBeNull()
    })
  })
})

describe.each(MATRIX)('deleteSite — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)

    it('removes versions whose page was never written and frontier items of runs never saved', async () => {
      const s = site()
      await env.clean.saveSite(s)
      const r = run(s.siteId)
      await env.clean.saveRun(r)
      const p = page(s.siteId, 'https://example.com/saved')
      const v = version(p)
      await env.clean.commitVersion(p, v)
      await env.clean.saveFrontierItem(frontierItem(r.runId, s.siteId, 'https://example.com/a'))
      // Orphans: a version of a page never saved, frontier items of a run never saved.
      const lost = page(s.siteId, 'https://example.com/never-saved')
      const orphan = version(lost)
      await env.clean.saveVersion(orphan)
      const unsavedRun = newRunId()
      await env.clean.enqueueFrontierItems([
        frontierItem(unsavedRun, s.siteId, 'https://example.com/b'),
        frontierItem(unsavedRun, s.siteId, 'https://example.com/c'),
      ])

      const result = await env.backend.deleteSite(s.siteId)
      // site, run, page, 2 versions, 3 frontier items
      expect(result).toEqual({ deleted: true, items: 8 })
      expect(
        await leftOf(env.clean, s.siteId, {
          versions: [
            [p.pageId, v.versionId],
            [lost.pageId, orphan.versionId],
          ],
          runs: [r.runId, unsavedRun],
        }),
      ).toEqual(NOTHING)
      expect(await env.backend.deleteSite(s.siteId)).toEqual({ deleted: false, items: 0 })
    })

    it.runIf(layout === 'multi-table')(
      'removes versions and frontier items written by another tool with documented attributes only',
      async () => {
        const s = site()
        await env.clean.saveSite(s)
        const prefix = env.config.backend?.tablePrefix ?? ''
        const pageId = pageIdFor(s.siteId, 'https://example.com/other-tool')
        const versionId = newVersionId()
        const runId = newRunId()
        const S = (value: string) => ({ S: value })
        await env.faults.send(
          new PutItemCommand({
            TableName: `${prefix}versions`,
            Item: {
              version_id: S(versionId),
              page_id: S(pageId),
              site_id: S(s.siteId),
              run_id: S(runId),
              markdown: S('# other tool'),
              content_hash: S('h'),
              url: S('https://example.com/other-tool'),
              crawled_at: S('2026-01-01T00:00:00+00:00'),
            },
          }),
        )
        await env.faults.send(
          new PutItemCommand({
            TableName: `${prefix}frontier`,
            Item: {
              item_id: S('other-tool-item'),
              run_id: S(runId),
              site_id: S(s.siteId),
              url: S('https://example.com/other-tool'),
              status: S('pending'),
            },
          }),
        )
        expect(await env.backend.deleteSite(s.siteId)).toEqual({ deleted: true, items: 3 })
        expect(await env.clean.getVersion(pageId, versionId)).toBeNull()
        expect(await leftOf(env.clean, s.siteId, { runs: [runId] })).toEqual(NOTHING)
      },
    )

    it.runIf(layout === 'multi-table')(
      'on tables created before the site indexes existed, walks pages and runs as before',
      async () => {
        const tablePrefix = `${env.config.backend?.tablePrefix}old_`
        for (const definition of tableDefinitions({ backend: { layout, tablePrefix } })) {
          const indexes = (definition.GlobalSecondaryIndexes ?? []).filter(
            (index) => !Object.values(SITE_MEMBER_INDEXES).includes(index.IndexName as never),
          )
          await env.faults.send(
            new CreateTableCommand({
              ...definition,
              GlobalSecondaryIndexes: indexes.length > 0 ? indexes : undefined,
              AttributeDefinitions: definition.AttributeDefinitions?.filter((a) =>
                [...(definition.KeySchema ?? []), ...indexes.flatMap((i) => i.KeySchema ?? [])].some(
                  (k) => k.AttributeName === a.AttributeName,
                ),
              ),
            }),
          )
        }
        const old = createStorageBackend({ backend: { layout, tablePrefix, client: env.faults } })
        const s = site()
        await old.saveSite(s)
        const r = run(s.siteId)
        await old.saveRun(r)
        const p = page(s.siteId, 'https://example.com/old')
        await old.commitVersion(p, version(p))
        await old.saveFrontierItem(frontierItem(r.runId, s.siteId, 'https://example.com/old?f'))
        expect(await old.deleteSite(s.siteId)).toEqual({ deleted: true, items: 5 })
        expect(await leftOf(old, s.siteId, { runs: [r.runId] })).toEqual(NOTHING)
        await old.close()
      },
    )

    it('a delete cut short by throttling past retries is finished by a rerun, which counts what it removed', async () => {
      const s = site()
      await env.clean.saveSite(s)
      const runs = [run(s.siteId), run(s.siteId)]
      for (const r of runs) await env.clean.saveRun(r)
      const pages = Array.from({ length: 30 }, (_, i) => page(s.siteId, `https://example.com/p${i}`))
      const versions = pages.map((p) => version(p))
      for (let i = 0; i < pages.length; i++) await env.clean.commitVersion(pages[i]!, versions[i]!)
      await env.clean.enqueueFrontierItems(
        pages.map((p, i) => frontierItem(runs[i % 2]!.runId, s.siteId, `${p.url}?f`)),
      )
      const total = 1 + runs.length + pages.length * 3
      const known = {
        versions: pages.map((p, i) => [p.pageId, versions[i]!.versionId] as [string, string]),
        runs: runs.map((r) => r.runId),
      }

      let batches = 0
      env.faults.inject({ operation: 'BatchWriteItem', fault: 'throttle', match: () => ++batches > 1 })
      const error = await env.backend.deleteSite(s.siteId).catch((e: unknown) => e)
      env.faults.clear()
      expect(error).toBeInstanceOf(CapacityError)

      const left = await leftOf(env.clean, s.siteId, known)
      expect(left.site).not.toBeNull()
      const remaining = 1 + left.runs + left.pages + left.versions + left.frontier
      expect(remaining).toBeLessThan(total)
      expect(remaining).toBeGreaterThan(1)
      expect(await env.backend.deleteSite(s.siteId)).toEqual({ deleted: true, items: remaining })
      expect(await leftOf(env.clean, s.siteId, known)).toEqual(NOTHING)
      expect(await env.backend.deleteSite(s.siteId)).toEqual({ deleted: false, items: 0 })
    })

    // The caller's guarantee (docs/data-model.md, "deleteSite and writers still running"): writes
    // of the site in flight while deleteSite runs may survive it; a deleteSite run once they have
    // settled removes everything they left, and counts it.
    describe('racing a commitVersion: a rerun after the writer settled leaves nothing', () => {
      const cases = [
        { held: 'the version write', operation: 'PutItem', nth: 1, stale: false, left: 2 },
        { held: 'the version write of a refused commit', operation: 'PutItem', nth: 1, stale: true, left: 1 },
        { held: 'the page write', operation: 'UpdateItem', nth: 1, stale: false, left: 1 },
        { held: 'the counter update', operation: 'UpdateItem', nth: 2, stale: false, left: 0, fresh: true },
      ]
      it.each(cases)(
        '$held held until deleteSite returned',
        async ({ operation, nth, stale, left, fresh }) => {
          const s = site()
          await env.clean.saveSite(s)
          const p = page(s.siteId, `https://example.com/${uid('race')}`)
          const first = fresh ? undefined : await env.clean.commitVersion(p, version(p))
          const gate = gateClient(env.faults)
          const writer = createStorageBackend({
            backend: { layout, tablePrefix: env.config.backend?.tablePrefix, client: gate },
          })
          const held = gate.hold(operation, nth)
          const v = version(p)
          const commit = writer
            .commitVersion(p, v, stale ? { expectedRevision: first?.page.revision } : undefined)
            .then(
              () => 'committed',
              (e: unknown) => (e as Error).name,
            )
          await held.reached
          await env.clean.deleteSite(s.siteId)
          held.release()
          await commit
          await writer.close()

          const second = await env.clean.deleteSite(s.siteId)
          expect(second).toEqual({ deleted: false, items: left })
          const known = { pages: [p.pageId], versions: [[p.pageId, v.versionId] as [string, string]] }
          expect(await leftOf(env.clean, s.siteId, known)).toEqual(NOTHING)
        },
      )
    })
  })
})
