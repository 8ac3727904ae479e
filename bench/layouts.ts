import {
  createStorageBackend,
  type DynamoDBClientLike,
  type StorageBackend,
  UnsupportedError,
} from '../src/index.js'
import { uniqueTablePrefix } from '../src/testing/index.js'

export type LayoutName = 'single-table' | 'multi-table'

/**
 * Every layout the bench measures. A layout whose `createStorageBackend` throws `UnsupportedError`
 * is skipped (and reported as skipped), so a layout lights up here as soon as it lands.
 */
export const LAYOUTS: readonly LayoutName[] = ['single-table', 'multi-table']

export type Opened = { backend: StorageBackend; tablePrefix: string } | { skipped: string }

/** A backend of `layout` on its own fresh tables at `endpoint`, initialized; or why the layout is skipped. */
export async function openBackend(
  endpoint: string,
  layout: LayoutName,
  options: { label: string; client?: DynamoDBClientLike },
): Promise<Opened> {
  const tablePrefix = uniqueTablePrefix(`bench_${options.label}`)
  let backend: StorageBackend
  try {
    backend = createStorageBackend({
      backend: {
        endpointUrl: endpoint,
        layout,
        tablePrefix,
        ...(options.client ? { client: options.client } : {}),
      },
    })
  } catch (error) {
    if (error instanceof UnsupportedError) return { skipped: error.message }
    throw error
  }
  await backend.initialize()
  return { backend, tablePrefix }
}

/** A second backend on the same tables (another worker, another process's view). */
export function reopenBackend(
  endpoint: string,
  layout: LayoutName,
  tablePrefix: string,
  options?: { frontierShards?: number },
): StorageBackend {
  return createStorageBackend({ backend: { endpointUrl: endpoint, layout, tablePrefix, ...options } })
}
