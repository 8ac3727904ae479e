import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb'
import type { DynamoDBConfig } from '../config.js'
import { FRONTIER_INDEXES } from '../entities/frontier.js'
import { CHANGE_MARKER, PAGES_INDEXES } from '../entities/page.js'
import { RUNS_INDEXES } from '../entities/run.js'
import { billing, throughput } from './billing.js'

/** The five physical tables of the documented layout. */
export function multiTableNames(config: DynamoDBConfig) {
  const p = config.tablePrefix
  return {
    sites: `${p}sites`,
    runs: `${p}runs`,
    pages: `${p}pages`,
    versions: `${p}versions`,
    frontier: `${p}frontier`,
  }
}

export type MultiTableNames = ReturnType<typeof multiTableNames>

type KeyType = 'S' | 'N'

/**
 * Added indexes that find everything of a site in a table keyed by page or run (deleteSite):
 * keyed on the documented `site_id` and the table's own sort key, projecting keys only (and
 * `chunk_of`, which tells a version's body chunk from a version).
 */
export const SITE_MEMBER_INDEXES = {
  versions: 'site_id-version_id-index',
  frontier: 'site_id-item_id-index',
} as const

interface IndexDefinition {
  name: string
  hash: string
  range?: string
  /** Default: every attribute. */
  projection?: { ProjectionType: 'KEYS_ONLY' } | { ProjectionType: 'INCLUDE'; NonKeyAttributes: string[] }
}

function table(
  config: DynamoDBConfig,
  name: string,
  hash: string,
  range: string | undefined,
  indexes: IndexDefinition[],
  types: Record<string, KeyType> = {},
): CreateTableCommandInput {
  const names = new Set([
    hash,
    ...(range ? [range] : []),
    ...indexes.flatMap((i) => [i.hash, ...(i.range ? [i.range] : [])]),
  ])
  const definitions: AttributeDefinition[] = [...names].map((n) => ({
    AttributeName: n,
    AttributeType: types[n] ?? 'S',
  }))
  const gsis: GlobalSecondaryIndex[] = indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.hash, KeyType: 'HASH' },
      ...(index.range ? [{ AttributeName: index.range, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: index.projection ?? { ProjectionType: 'ALL' },
    ...throughput(config),
  }))
  return {
    TableName: name,
    KeySchema: [
      { AttributeName: hash, KeyType: 'HASH' },
      ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
    ],
    AttributeDefinitions: definitions,
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
    ...billing(config),
  }
}

/**
 * The documented five tables exactly (keys and the two documented GSIs), plus the added indexes,
 * each keyed on documented attributes only: `site_id-created_at-index` on runs (runs newest
 * first), `site_id-last_crawled-index` on pages (recrawl queue), `site_id-change_marker-index`
 * on pages (the change feed, on the added `change_marker`), `run_id-priority-index` on
 * frontier (listing without a status), `run_id-queue_key-index` and `run_status-queue_order-index`
 * on frontier (claims and listing by status, on the added attributes `queue_key`, `run_status`,
 * `queue_order`: see `services/frontier/queue-key.ts`), `site_id-version_id-index` on versions and
 * `site_id-item_id-index` on frontier (keys only: a site's versions, chunks and frontier items for
 * deleteSite, whatever page or run they belong to).
 */
export function multiTableDefinitions(config: DynamoDBConfig): CreateTableCommandInput[] {
  const names = multiTableNames(config)
  return [
    table(config, names.sites, 'site_id', undefined, []),
    table(config, names.runs, 'site_id', 'run_id', [
      { name: RUNS_INDEXES.byRun, hash: 'run_id' },
      { name: RUNS_INDEXES.bySiteCreated, hash: 'site_id', range: 'created_at' },
    ]),
    table(config, names.pages, 'site_id', 'page_id', [
      { name: PAGES_INDEXES.byUrl, hash: 'url' },
      { name: PAGES_INDEXES.recrawl, hash: 'site_id', range: 'last_crawled' },
      { name: PAGES_INDEXES.changes, hash: 'site_id', range: CHANGE_MARKER },
    ]),
    table(config, names.versions, 'page_id', 'version_id', [
      {
        name: SITE_MEMBER_INDEXES.versions,
        hash: 'site_id',
        range: 'version_id',
        projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['chunk_of'] },
      },
    ]),
    table(
      config,
      names.frontier,
      'run_id',
      'item_id',
      [
        { name: FRONTIER_INDEXES.byPriority, hash: 'run_id', range: 'priority' },
        { name: FRONTIER_INDEXES.byQueue, hash: 'run_id', range: 'queue_key' },
        { name: FRONTIER_INDEXES.byStatus, hash: 'run_status', range: 'queue_order' },
        {
          name: SITE_MEMBER_INDEXES.frontier,
          hash: 'site_id',
          range: 'item_id',
          projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      {
        priority: 'N',
      },
    ),
  ]
}
