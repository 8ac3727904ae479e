// The README's layout-tools example; test/unit/readme.unit.test.ts runs it and checks the README
// shows it verbatim.
import { iamPolicy, migrateLayout, tableDefinitions, verifyLayouts } from 'ragcrawl-dynamodb'

export async function moveToSingleTable(endpointUrl: string, checkpoint: string) {
  const source = { backend: { endpointUrl, layout: 'multi-table' as const, tablePrefix: 'ragcrawl_' } }
  const target = { backend: { endpointUrl, layout: 'single-table' as const, tablePrefix: 'ragcrawl_' } }

  const tables = tableDefinitions(target) // CreateTableCommandInput[]: what initialize() creates
  const policy = iamPolicy(target, { accountId: '123456789012' }) // the layout's actions on its tables
  // Never throws: per logical table { read, written, skipped, failed }, invalid items listed, an error.
  const report = await migrateLayout({ source, target, checkpoint, segments: 4 })
  const check = await verifyLayouts({ source, target }) // counts and a digest per record
  return { tables: tables.length, actions: policy.Statement[0]?.Action.length, report, same: check.ok }
}
