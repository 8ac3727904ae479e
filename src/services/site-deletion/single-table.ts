import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb'
import { ORIGINAL_ERRORS } from '../../entities/common.js'
import { keyPart } from '../../keys/key-part.js'
import { counterKeys } from '../pages/single-table.js'
import { batchWrite } from '../plumbing/batch.js'
import { queryAll } from '../plumbing/listing.js'
import { KEYS, type SingleTableContext } from '../single-table/context.js'
import type { Members, SiteDeletionAdapter } from './adapter.js'

/**
 * Without a Scan: the site's runs (gsi2), pages (gsi1), versions, chunks and frontier items (gsi4,
 * keys only) are found by Query; the page counter items go with the site item.
 */
export function singleTableSiteDeletion(ctx: SingleTableContext): SiteDeletionAdapter {
  const { site, run, page, version, versionChunk, frontier } = ctx.entities
  const keysOf = (input: QueryCommandInput, logical = true): Members => ({
    table: ctx.table,
    keys: KEYS.primary,
    rows: () => queryAll(ctx.transport, { ...input, ProjectionExpression: 'pk, sk' }),
    // Chunks are parts of versions, not logical records of their own.
    logical: logical ? undefined : () => false,
  })
  return {
    transport: ctx.transport,
    members(siteId) {
      const siteKey = keyPart(siteId)
      return [
        keysOf(run.query.bySite({ siteKey }).params()),
        keysOf(page.query.bySite({ siteScope: siteKey }).params()),
        keysOf(version.query.members({ siteKey }).params()),
        keysOf(versionChunk.query.members({ siteKey }).params(), false),
        keysOf(frontier.query.members({ siteKey }).params()),
      ]
    },
    async deleteSiteItem(siteId) {
      const siteKey = keyPart(siteId)
      await batchWrite(
        ctx.transport,
        counterKeys(ctx, siteId).map(({ shard, key }) => ({ table: ctx.table, key, id: `counter ${shard}` })),
      )
      const { data } = await site.delete({ siteKey }).go({ ...ORIGINAL_ERRORS, response: 'all_old' })
      return data !== null && data !== undefined
    },
  }
}
