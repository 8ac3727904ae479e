import { parseStorageConfig, type StorageConfigInput } from '../config.js'
import { LayoutBackend } from './backend.js'
import type { StorageBackend } from './contract.js'
import type { Layout } from './layout.js'
import { multiTableLayout } from './multi-table/layout.js'
import { singleTableLayout } from './single-table/layout.js'

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
