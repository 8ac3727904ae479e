import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { batchWrite } from '../plumbing/batch.js'
import { queryAll } from '../plumbing/listing.js'
import type { SingleTableContext } from './context.js'

/**
 * deleteSite without a Scan: the site's runs (gsi2), pages (gsi1), versions, chunks and frontier
 * items (gsi4, keys only) and its counter are found by Query and removed in batches; the site item
 * goes last, so an interrupted delete can simply be run again.
 */
export async function deleteSite(
  ctx: SingleTableContext,
  siteId: string,
): Promise<{ deleted: boolean; items: number }> {
  const siteKey = keyPart(siteId)
  const { site, run, page, version, versionChunk, frontier, pageCount } = ctx.entities
  // Chunks are parts of versions, not logical records of their own.
  const sources: { input: QueryCommandInput; logical: boolean }[] = [
    { input: run.query.bySite({ siteKey }).params(), logical: true },
    { input: page.query.bySite({ siteScope: siteKey }).params(), logical: true },
    { input: version.query.members({ siteKey }).params(), logical: true },
    { input: versionChunk.query.members({ siteKey }).params(), logical: false },
    { input: frontier.query.members({ siteKey }).params(), logical: true },
  ]
  let items = 0
  for (const { input, logical } of sources) {
    for await (const rows of queryAll(ctx.transport, { ...input, ProjectionExpression: 'pk, sk' })) {
      await batchWrite(
        ctx.transport,
        rows.map((row) => ({ table: ctx.table, key: { pk: row.pk, sk: row.sk }, id: `${row.pk}/${row.sk}` })),
      )
      if (logical) items += rows.length
    }
  }
  await pageCount.delete({ siteKey }).go({ ...ORIGINAL_ERRORS, response: 'none' })
  const { data: removed } = await site.delete({ siteKey }).go({ ...ORIGINAL_ERRORS, response: 'all_old' })
  const deleted = removed !== null && removed !== undefined
  return { deleted, items: items + (deleted ? 1 : 0) }
}
