import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorageBackend, migrateLayout, type StorageConfigInput } from '../../src/index.js'
import { SiteSchema } from '../../src/model/schemas.js'
import { layoutFor } from '../../src/services/factory.js'
import { withoutCredentials } from '../../src/services/plumbing/credentials.js'
import { type EmbeddedEngine, startLocalEngine, uniqueTablePrefix } from '../../src/testing/index.js'
import { LAYOUTS } from '../support/engines.js'
import { run, site } from '../support/fixtures.js'

const SPELLINGS = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SESSION_TOKEN',
  'AwsSecretAccessKey',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'aws-secret-access-key',
  'Access.Key.Id',
  'SESSIONTOKEN',
  'awsAccessKeyId',
  'aws_session_token',
]

/** A config holding every credential spelling at the top, nested in objects and inside arrays. */
function configWithCredentials(): Record<string, unknown> {
  const secrets = Object.fromEntries(SPELLINGS.map((key) => [key, `secret-${key}`]))
  return {
    ...secrets,
    region: 'eu-west-1',
    storage: { backend: { ...secrets, tablePrefix: 'p_' }, deeper: [{ ...secrets, keep: 1 }] },
    list: [[{ ...secrets }], 'plain'],
  }
}

const SCRUBBED = {
  region: 'eu-west-1',
  storage: { backend: { tablePrefix: 'p_' }, deeper: [{ keep: 1 }] },
  list: [[{}], 'plain'],
}

describe('withoutCredentials', () => {
  it('drops every spelling of an AWS credential key at any depth, case and separators aside', () => {
    expect(withoutCredentials(configWithCredentials())).toEqual(SCRUBBED)
  })

  it('keeps keys that merely contain a credential word', () => {
    const kept = { accessKeyIdHint: 1, tokenizer: 'x', session: { token: 2 }, secret: 3 }
    expect(withoutCredentials(kept)).toEqual(kept)
  })
})

describe('credentials and storage', () => {
  let engine: EmbeddedEngine
  beforeAll(async () => {
    engine = await startLocalEngine()
  })
  afterAll(() => engine.stop())
  const config = (layout: (typeof LAYOUTS)[number]): StorageConfigInput => ({
    backend: { endpointUrl: engine.endpoint, layout, tablePrefix: uniqueTablePrefix(layout.slice(0, 1)) },
  })

  for (const layout of LAYOUTS) {
    it(`${layout}: saveSite and saveRun store none of them`, async () => {
      const backend = createStorageBackend(config(layout))
      await backend.initialize()
      const saved = await backend.saveSite(site({ config: configWithCredentials() }))
      expect((await backend.getSite(saved.siteId))?.config).toEqual(SCRUBBED)
      const r = await backend.saveRun(run(saved.siteId, { configSnapshot: configWithCredentials() }))
      expect((await backend.getRun(r.runId))?.configSnapshot).toEqual(SCRUBBED)
      await backend.close()
    })

    it(`${layout}: migration scrubs a site config written unscrubbed by another tool`, async () => {
      const source = config(layout)
      const target = config(layout === 'single-table' ? 'multi-table' : 'single-table')
      const from = layoutFor(source)
      await createStorageBackend(source).initialize()
      const raw = SiteSchema.parse(site({ config: configWithCredentials() }))
      await from.records.write([{ table: 'sites', value: raw }])
      await from.transport.close()
      const report = await migrateLayout({ source, target, segments: 1 })
      expect(report.error ?? null).toBeNull()
      const migrated = createStorageBackend(target)
      expect((await migrated.getSite(raw.siteId))?.config).toEqual(SCRUBBED)
      await migrated.close()
    })
  }
})
