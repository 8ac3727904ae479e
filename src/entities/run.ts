import { RunStatusSchema } from '../model/schemas.js'
import { defineEntity, type EntityOptions, field, key, snakeFields } from './common.js'

/** The model fields of the logical table, shared by both layouts. */
const RUN_FIELDS = {
  runId: field.requiredText,
  siteId: field.requiredText,
  status: { type: RunStatusSchema.options, required: true },
  errorMessage: field.text,
  createdAt: field.requiredText,
  startedAt: field.text,
  completedAt: field.text,
  configSnapshot: field.anyValue,
  seeds: field.stringList,
  isSync: field.bool,
  parentRunId: field.text,
  stats: field.anyValue,
  frontierSize: field.num,
  maxDepthReached: field.num,
} as const

/**
 * Crawl runs. Item: pk = run, sk = `$run_1` (get run by id alone: one GetItem).
 * - gsi2 `siteRuns` collection: pk = site, sk = createdAt + run (runs newest first, latest run,
 *   and the site with its latest runs in one Query).
 */
export function runEntity(options: EntityOptions) {
  return defineEntity('run', options, {
    attributes: { ...key.hidden('runKey', 'siteKey'), ...RUN_FIELDS },
    indexes: {
      byId: key.primary(['runKey'], []),
      bySite: key.secondary('gsi2', ['siteKey'], ['createdAt', 'runKey'], { collection: 'siteRuns' }),
    },
  })
}

export type RunEntity = ReturnType<typeof runEntity>

/** Index names of the documented runs table: the documented GSI on run_id, and an addition. */
export const RUNS_INDEXES = { byRun: 'run_id-index', bySiteCreated: 'site_id-created_at-index' } as const

/**
 * Documented layout: `{prefix}runs`, HASH `site_id`, RANGE `run_id`; GSI `run_id-index` (get run
 * by id alone) and, added, `site_id-created_at-index` (runs newest first, latest run).
 */
export function runTableEntity(options: EntityOptions) {
  return defineEntity('run', options, {
    attributes: snakeFields(RUN_FIELDS),
    indexes: {
      byId: { pk: key.plain('site_id', 'siteId'), sk: key.plain('run_id', 'runId') },
      byRun: { index: RUNS_INDEXES.byRun, pk: key.plain('run_id', 'runId') },
      bySite: {
        index: RUNS_INDEXES.bySiteCreated,
        pk: key.plain('site_id', 'siteId'),
        sk: key.plain('created_at', 'createdAt'),
      },
    },
  })
}

export type RunTableEntity = ReturnType<typeof runTableEntity>
