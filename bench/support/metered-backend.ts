import type { StorageBackend } from '../../src/index.js'
import type { LayoutName } from '../layouts.js'
import { openBackend } from '../layouts.js'
import type { Metered } from './cost.js'
import { CountingClient, loopbackClient } from './counting-client.js'

/** A library backend whose requests, capacity units and items read can be measured per call. */
export interface MeteredBackend extends Metered {
  backend: StorageBackend
  tablePrefix: string
  close(): Promise<void>
}

/**
 * Opens a backend of `layout` on fresh tables, sending through a `CountingClient` (the library's
 * own metrics give requests and capacity; the client adds the items read and returned).
 */
export async function openMetered(
  endpoint: string,
  layout: LayoutName,
  label: string,
): Promise<MeteredBackend | { skipped: string }> {
  const counting = new CountingClient(loopbackClient(endpoint))
  const opened = await openBackend(endpoint, layout, { label, client: counting })
  if ('skipped' in opened) {
    counting.destroy()
    return opened
  }
  const { backend, tablePrefix } = opened
  return {
    backend,
    tablePrefix,
    metrics: () => backend.metrics(),
    itemCounts: () => counting.snapshot(),
    close: async () => {
      await backend.close()
      counting.destroy()
    },
  }
}
