import { parseStorageConfig, type StorageConfigInput } from './config.js'
import { LayoutBackend } from './services/backend.js'
import { multiTableLayout } from './services/multi-table/layout.js'
import { singleTableLayout } from './services/single-table/layout.js'
import type { StorageBackend } from './services/storage-backend.js'
import type { Layout } from './services/stores.js'

/**
 * Validates `config` (throwing `ValidationError` naming the field) and returns the backend of its
 * layout. Sends no request: engines start lazily or in `initialize()`.
 */
export function createStorageBackend(config?: StorageConfigInput): StorageBackend {
  return new LayoutBackend(layoutFor(config))
}

/** The layout a config describes (validated), for the backend and the layout tools. */
export function layoutFor(config?: StorageConfigInput): Layout {
  const { backend } = parseStorageConfig(config)
  return backend.layout === 'multi-table' ? multiTableLayout(backend) : singleTableLayout(backend)
}
