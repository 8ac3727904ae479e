import { parseStorageConfig, type StorageConfigInput } from './config.js'
import { LayoutBackend } from './services/backend.js'
import { multiTableLayout } from './services/multi-table/layout.js'
import { singleTableLayout } from './services/single-table/layout.js'
import type { StorageBackend } from './services/storage-backend.js'

/**
 * Validates `config` (throwing `ValidationError` naming the field) and returns the backend of its
 * layout. Sends no request: engines start lazily or in `initialize()`.
 */
export function createStorageBackend(config?: StorageConfigInput): StorageBackend {
  const { backend } = parseStorageConfig(config)
  return new LayoutBackend(
    backend.layout === 'multi-table' ? multiTableLayout(backend) : singleTableLayout(backend),
  )
}
