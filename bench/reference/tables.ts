import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
} from '@aws-sdk/client-dynamodb'
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { inLanes } from '../support/concurrency.js'
import type { RawClient } from '../support/raw-client.js'
import type { CrawlData } from './export.js'
import { toReferenceItem, VERSION_RENAMES } from './items.js'

/**
 * The Python reference's five tables as its code creates them (not as its docs describe them):
 * one hash key per table on the record's own id, plus one GSI on the parent id.
 */
export interface ReferenceTables {
  sites: string
  runs: string
  pages: string
  versions: string
  frontier: string
}

/** `f"{table_prefix}-{suffix}"`, as the reference names them. */
export function referenceTableNames(prefix: string): ReferenceTables {
  return {
    sites: `${prefix}-sites`,
    runs: `${prefix}-runs`,
    pages: `${prefix}-pages`,
    versions: `${prefix}-versions`,
    frontier: `${prefix}-frontier`,
  }
}

type KeyType = 'S' | 'N'

function table(
  name: string,
  hash: string,
  gsi?: { name: string; hash: string; range: string; rangeType: KeyType },
): CreateTableCommandInput {
  const attributes = new Map<string, KeyType>([[hash, 'S']])
  if (gsi) {
    attributes.set(gsi.hash, 'S')
    attributes.set(gsi.range, gsi.rangeType)
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }],
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    ...(gsi
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: gsi.name,
              KeySchema: [
                { AttributeName: gsi.hash, KeyType: 'HASH' },
                { AttributeName: gsi.range, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }
      : {}),
  }
}

export function referenceTableDefinitions(t: ReferenceTables): CreateTableCommandInput[] {
  return [
    table(t.sites, 'site_id'),
    table(t.runs, 'run_id', { name: 'run-site-index', hash: 'site_id', range: 'created_at', rangeType: 'S' }),
    table(t.pages, 'page_id', {
      name: 'page-site-index',
      hash: 'site_id',
      range: 'last_crawled',
      rangeType: 'S',
    }),
    table(t.versions, 'version_id', {
      name: 'version-page-index',
      hash: 'page_id',
      range: 'crawled_at',
      rangeType: 'S',
    }),
    table(t.frontier, 'item_id', {
      name: 'frontier-run-index',
      hash: 'run_id',
      range: 'priority',
      rangeType: 'N',
    }),
  ]
}

export async function createReferenceTables(raw: RawClient, t: ReferenceTables): Promise<void> {
  for (const definition of referenceTableDefinitions(t)) {
    await raw.send(new CreateTableCommand(definition))
    for (;;) {
      const { Table } = await raw.send<{ Table?: { TableStatus?: string } }>(
        new DescribeTableCommand({ TableName: definition.TableName }),
      )
      if (Table?.TableStatus === 'ACTIVE') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

export async function dropReferenceTables(raw: RawClient, t: ReferenceTables): Promise<void> {
  for (const name of Object.values(t)) {
    await raw.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)
  }
}

/** Writes `data` into the reference tables in the reference's stored form (BatchWriteItem of 25). */
export async function loadReference(raw: RawClient, t: ReferenceTables, data: CrawlData): Promise<void> {
  const puts: { table: string; item: Record<string, unknown> }[] = [
    ...data.sites.map((site) => ({ table: t.sites, item: toReferenceItem(site) })),
    ...data.runs.map((run) => ({ table: t.runs, item: toReferenceItem(run) })),
    // The reference has no `revision`: every write is an unconditional PutItem.
    ...data.pages.map(({ revision: _none, ...page }) => ({ table: t.pages, item: toReferenceItem(page) })),
    ...data.versions.map((version) => ({
      table: t.versions,
      item: toReferenceItem(version, VERSION_RENAMES),
    })),
    ...data.frontier.map((item) => ({ table: t.frontier, item: toReferenceItem(item) })),
  ]
  const batches: (typeof puts)[] = []
  for (let i = 0; i < puts.length; i += 25) batches.push(puts.slice(i, i + 25))
  await inLanes(batches, 4, async (batch) => {
    let requestItems: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {}
    for (const { table: name, item } of batch) {
      requestItems[name] = [...(requestItems[name] ?? []), { PutRequest: { Item: item } }]
    }
    while (Object.keys(requestItems).length > 0) {
      const output = await raw.send<{ UnprocessedItems?: typeof requestItems }>(
        new BatchWriteCommand({ RequestItems: requestItems }),
      )
      requestItems = output.UnprocessedItems ?? {}
    }
  })
}
