import { Entity } from 'electrodb'
import { RunStatusSchema } from '../model/schemas.js'
import {
  anyValue,
  bool,
  CASE_KEPT,
  type EntityOptions,
  hiddenKey,
  num,
  requiredText,
  SERVICE,
  stringList,
  text,
} from './common.js'

/**
 * Crawl runs. Item: pk = run, sk = `$run_1` (get run by id alone: one GetItem).
 * - gsi2 `siteRuns` collection: pk = site, sk = createdAt + run (runs newest first, latest run,
 *   and the site with its latest runs in one Query).
 */
export function runEntity(options: EntityOptions) {
  return new Entity(
    {
      model: { entity: 'run', version: '1', service: SERVICE },
      attributes: {
        runKey: hiddenKey,
        siteKey: hiddenKey,
        runId: requiredText,
        siteId: requiredText,
        status: { type: RunStatusSchema.options, required: true },
        errorMessage: text,
        createdAt: requiredText,
        startedAt: text,
        completedAt: text,
        configSnapshot: anyValue,
        seeds: stringList,
        isSync: bool,
        parentRunId: text,
        stats: anyValue,
        frontierSize: num,
        maxDepthReached: num,
      },
      indexes: {
        byId: {
          pk: { field: 'pk', composite: ['runKey'], casing: CASE_KEPT },
          sk: { field: 'sk', composite: [], casing: CASE_KEPT },
        },
        bySite: {
          index: 'gsi2',
          collection: 'siteRuns',
          pk: { field: 'gsi2pk', composite: ['siteKey'], casing: CASE_KEPT },
          sk: { field: 'gsi2sk', composite: ['createdAt', 'runKey'], casing: CASE_KEPT },
        },
      },
    },
    options,
  )
}

export type RunEntity = ReturnType<typeof runEntity>
