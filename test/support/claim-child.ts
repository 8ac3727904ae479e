import { createStorageBackend, type StorageConfigInput } from '../../src/index.js'
import { assertLoopbackEndpoint } from '../../src/testing/index.js'

/**
 * One claimer in its own process, for the politeness test:
 *   node --import tsx test/support/claim-child.ts '<json: { config, runId, workerId, domainIntervalMs }>'
 * Claims (limit 3) until a claim comes back empty while nothing of the run is pending, completing
 * each item, and prints one JSON line: every item it claimed with its domain and claim instant
 * (`startedAt`, the instant of the claim's politeness write).
 */
interface Args {
  config: StorageConfigInput
  runId: string
  workerId: string
  domainIntervalMs: number
  /** Epoch ms at which every claimer starts, so that they claim at the same time. */
  startAt: number
}
const args = JSON.parse(process.argv[2] ?? '{}') as Args
assertLoopbackEndpoint(String(args.config.backend?.endpointUrl))
const backend = createStorageBackend(args.config)
const claims: { itemId: string; domain: string; at: number }[] = []
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())))
const deadline = Date.now() + 60_000
try {
  while (Date.now() < deadline) {
    const got = await backend.claimFrontierItems(args.runId, {
      workerId: args.workerId,
      limit: 3,
      leaseSeconds: 120,
      domainIntervalMs: args.domainIntervalMs,
    })
    for (const item of got) {
      claims.push({ itemId: item.itemId, domain: item.domain, at: item.startedAt!.getTime() })
      await backend.updateFrontierStatus(args.runId, item.itemId, 'completed', { workerId: args.workerId })
    }
    if (got.length > 0) continue
    const pending = await backend.getFrontierItems(args.runId, { status: 'pending', limit: 1 })
    if (pending.items.length === 0) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  process.stdout.write(`${JSON.stringify({ claims })}\n`)
} finally {
  await backend.close()
}
