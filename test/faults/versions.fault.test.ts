import { randomBytes } from 'node:crypto'
import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb'
import { afterAll, describe, expect, it } from 'vitest'
import { CapacityError, newVersionId, type PageVersionInput, ValidationError } from '../../src/index.js'
import { engineAvailable, MATRIX } from '../support/engines.js'
import { loopbackClient, useFaultyBackend } from '../support/fault-client.js'
import { page, site, version } from '../support/fixtures.js'

type RawItem = Record<string, AttributeValue>

/** ~600 KB of incompressible markdown: gzipped it still needs two 300 KB chunk items. */
const twoChunkBody = () => randomBytes(450_000).toString('base64')

describe.each(MATRIX)('versions under faults — $layout on $engine', ({ layout, engine }) => {
  describe.skipIf(!engineAvailable(engine))('', () => {
    const env = useFaultyBackend(engine, layout)
    let rawClient: ReturnType<typeof loopbackClient> | undefined
    const raw = () => {
      rawClient ??= loopbackClient(env.endpoint)
      return rawClient
    }
    afterAll(() => rawClient?.destroy())

    const prefix = () => String(env.config.backend?.tablePrefix)
    const table = () => `${prefix()}${layout === 'single-table' ? 'data' : 'versions'}`
    const partitionKey = (pageId: string): RawItem =>
      layout === 'single-table' ? { pk: { S: `$ragcrawl#pageKey_${pageId}` } } : { page_id: { S: pageId } }
    const sortKeyOf = (item: RawItem) => String((layout === 'single-table' ? item.sk : item.version_id)?.S)
    const isChunk = (item: RawItem) =>
      layout === 'single-table' ? sortKeyOf(item).startsWith('$versionchunk_1') : item.chunk_of !== undefined

    /** Every stored item of a page's partition (versions, chunks and, in the single table, pages). */
    async function partition(pageId: string): Promise<RawItem[]> {
      const [name, value] = Object.entries(partitionKey(pageId))[0]!
      const { Items } = await raw().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': name },
          ExpressionAttributeValues: { ':k': value },
        }),
      )
      return Items ?? []
    }
    const chunksOf = async (pageId: string, versionId: string) =>
      (await partition(pageId)).filter(
        (item) => isChunk(item) && (item.chunk_of?.S ?? sortKeyOf(item)).includes(versionId),
      )
    const putRaw = (item: RawItem) => raw().send(new PutItemCommand({ TableName: table(), Item: item }))

    async function committedBigVersion(label: string) {
      const s = await env.clean.saveSite(site())
      const p = await env.clean.savePage(page(s.siteId, `https://example.com/${label}`))
      const { version: big, page: stored } = await env.clean.commitVersion(
        p,
        version(p, { markdown: twoChunkBody() }),
      )
      const chunks = await chunksOf(p.pageId, big.versionId)
      expect(chunks).toHaveLength(2)
      return { p: stored, big, chunks }
    }

    // Item 6 (first half): a commitVersion that fails after its version write and before its page
    // write leaves a stored version that must not become current.
    it('a commitVersion that fails before its page write never makes its version current', async () => {
      const s = await env.clean.saveSite(site())
      const p = await env.clean.savePage(page(s.siteId, 'https://example.com/crash-before-page'))
      const first = await env.clean.commitVersion(p, version(p, { markdown: 'first' }))
      env.faults.inject({ operation: 'UpdateItem', fault: 'throttle', nth: 1 })
      const failed = await env.backend
        .commitVersion(first.page, version(p, { markdown: 'never current' }))
        .catch((e: unknown) => e)
      env.faults.clear()
      expect(failed).toMatchObject({ code: 'CAPACITY' })
      expect((await env.clean.listVersions(p.pageId)).items.map((v) => v.markdown)).toEqual([
        'never current',
        'first',
      ])
      expect((await env.backend.getCurrentVersion(p.pageId))?.markdown).toBe('first')
    })

    // Item 11: chunk keys must be injective — no version id, however crafted, joins or overwrites
    // another version's chunks.
    it('a version id embedding another version id and digest neither joins nor overwrites its chunks', async () => {
      const { p, big, chunks } = await committedBigVersion('crafted-ids')
      const chunkKey = sortKeyOf(chunks[0]!)
      const digest =
        layout === 'multi-table' ? chunkKey.split('#').at(-2) : /chunkNo_(.*)\.\d{5}$/.exec(chunkKey)?.[1]
      expect(digest).toMatch(/^[\w-]{22}$/)
      const joining = `${big.versionId}#${digest}`
      const joiner = await env.backend.saveVersion(
        version(p, { versionId: joining, markdown: twoChunkBody() }),
      )
      const forged = layout === 'multi-table' ? chunkKey : `${big.versionId}#chunkNo_${digest}.00000`
      const forging = await env.backend
        .saveVersion(version(p, { versionId: forged, markdown: 'forged' }))
        .catch((e: unknown) => e)
      if (layout === 'multi-table') {
        // `!chunk!` starts the chunk keys of the documented table: reserved, refused before any write.
        expect(forging).toBeInstanceOf(ValidationError)
        expect((forging as ValidationError).paths).toEqual(['version.versionId'])
      } else {
        expect(forging).toMatchObject({ versionId: forged })
      }
      if (layout === 'multi-table') {
        const bulk = await env.backend
          .saveVersionsBulk([version(p), version(p, { versionId: forged })])
          .catch((e: unknown) => e)
        expect((bulk as ValidationError).paths).toEqual(['versions.1.versionId'])
      }
      expect(await env.backend.getVersion(p.pageId, big.versionId)).toEqual(big)
      expect(await env.backend.getVersion(p.pageId, joiner.versionId)).toEqual(joiner)
      expect((await env.backend.getCurrentVersion(p.pageId))?.versionId).toBe(big.versionId)
      const listed = (await env.backend.listVersions(p.pageId)).items.map((v) => v.versionId)
      expect(listed).toContain(big.versionId)
      expect(listed).toContain(joiner.versionId)
      expect(await env.backend.getVersion(p.pageId, chunkKey)).toBeNull()
    })

    it('a chunk without data, with data of the wrong type, or one chunk too many reads as absent', async () => {
      const spoils = ['no data', 'text data', 'extra chunk', 'missing chunk', 'unmarked chunk'] as const
      for (const spoil of spoils.filter((s) => layout === 'multi-table' || s !== 'unmarked chunk')) {
        const { p, big, chunks } = await committedBigVersion(`spoiled-${spoil.replace(' ', '-')}`)
        const [first, second] = chunks as [RawItem, RawItem]
        if (spoil === 'no data') {
          const { data: _data, ...rest } = second
          await putRaw(rest)
        } else if (spoil === 'unmarked chunk') {
          const { chunk_of: _chunkOf, ...rest } = second // keyed like a chunk, without its mark
          await putRaw(rest)
        } else if (spoil === 'text data') {
          await putRaw({ ...second, data: { S: 'not bytes' } })
        } else if (spoil === 'extra chunk') {
          const key = sortKeyOf(second).replace(/00001$/, '00002')
          await putRaw({
            ...second,
            ...(layout === 'single-table' ? { sk: { S: key } } : { version_id: { S: key } }),
          })
        } else {
          await raw().send(
            new DeleteItemCommand({
              TableName: table(),
              Key:
                layout === 'single-table'
                  ? { pk: first.pk!, sk: second.sk! }
                  : { page_id: first.page_id!, version_id: second.version_id! },
            }),
          )
        }
        expect(await env.backend.getVersion(p.pageId, big.versionId), spoil).toBeNull()
        expect(await env.backend.getCurrentVersion(p.pageId), spoil).toBeNull()
        expect((await env.backend.listVersions(p.pageId)).items, spoil).toEqual([])
        const withVersions = await env.backend.getPageWithVersions(p.siteId, p.pageId)
        expect(withVersions.versions, spoil).toEqual([])
        expect(withVersions.page?.currentVersionId, spoil).toBe(big.versionId)
      }
    })

    it.runIf(layout === 'multi-table')(
      'chunks written under the unescaped id of 0.2 are still read',
      async () => {
        const s = await env.clean.saveSite(site())
        const p = await env.clean.savePage(page(s.siteId, 'https://example.com/legacy-chunks'))
        const id = `${newVersionId()}#legacy%`
        const { version: v } = await env.clean.commitVersion(
          p,
          version(p, { versionId: id, markdown: twoChunkBody() }),
        )
        const chunks = await chunksOf(p.pageId, id)
        expect(chunks).toHaveLength(2)
        for (const chunk of chunks) {
          const key = sortKeyOf(chunk)
          expect(key.startsWith(`!chunk!${id}#`)).toBe(false) // escaped now
          await raw().send(
            new DeleteItemCommand({
              TableName: table(),
              Key: { page_id: chunk.page_id!, version_id: chunk.version_id! },
            }),
          )
          await putRaw({ ...chunk, version_id: { S: key.replace(/^!chunk![^#]*#/, `!chunk!${id}#`) } })
        }
        expect(await env.backend.getVersion(p.pageId, id)).toEqual(v)
        expect(await env.backend.getCurrentVersion(p.pageId)).toEqual(v)
      },
    )

    // Item 12: when BatchWriteItem runs out of retries, saveVersionsBulk's CapacityError names every
    // unsaved versionId exactly once — those never attempted too — and no saved one.
    it('saveVersionsBulk names every unsaved versionId exactly once when every batch is throttled', async () => {
      const s = await env.clean.saveSite(site())
      const p = page(s.siteId, 'https://example.com/bulk-throttled')
      const versions: PageVersionInput[] = [
        version(p, { markdown: 'small 1' }),
        version(p, { markdown: twoChunkBody() }),
        version(p, { markdown: 'small 2' }),
        version(p, { markdown: twoChunkBody() }),
      ]
      env.faults.inject({ operation: 'BatchWriteItem', fault: 'throttle' })
      const error = await env.backend.saveVersionsBulk(versions).catch((e: unknown) => e)
      env.faults.clear()
      expect(error).toBeInstanceOf(CapacityError)
      const ids = versions.map((v) => v.versionId).sort()
      expect([...(error as CapacityError).unprocessed].sort()).toEqual(ids)
      for (const id of ids) expect((error as CapacityError).message.split(id)).toHaveLength(2)
      expect((await env.clean.listVersions(p.pageId)).items).toEqual([])
    })

    it('saveVersionsBulk names the split versions left unsaved, never attempted ones included, and no saved one', async () => {
      const s = await env.clean.saveSite(site())
      const p = page(s.siteId, 'https://example.com/bulk-chunks-throttled')
      const small = [version(p, { markdown: 'small 1' }), version(p, { markdown: 'small 2' })]
      const split = [
        version(p, { versionId: newVersionId(), markdown: twoChunkBody() }),
        version(p, { versionId: newVersionId(), markdown: twoChunkBody() }),
      ]
      const carriesChunks = (input: Record<string, unknown>) =>
        JSON.stringify(Object.values(input.RequestItems as object), (key, value) =>
          key === 'data' ? undefined : value,
        ).match(/"versionchunk"|"chunk_of"/) !== null
      env.faults.inject({ operation: 'BatchWriteItem', fault: 'throttle', match: carriesChunks })
      const error = await env.backend
        .saveVersionsBulk([split[0]!, small[0]!, split[1]!, small[1]!])
        .catch((e: unknown) => e)
      env.faults.clear()
      expect(error).toBeInstanceOf(CapacityError)
      const unsaved = split.map((v) => v.versionId).sort()
      expect([...(error as CapacityError).unprocessed].sort()).toEqual(unsaved)
      for (const id of unsaved) expect((error as CapacityError).message.split(id)).toHaveLength(2)
      for (const v of small) expect((error as CapacityError).message).not.toContain(v.versionId)
      const stored = (await env.clean.listVersions(p.pageId)).items.map((v) => v.markdown)
      expect(stored.sort()).toEqual(['small 1', 'small 2'])
    })
  })
})
