import { parseStorageConfig, type StorageConfigInput } from './config.js'
import { UnsupportedError } from './errors.js'
import { SingleTableBackend } from './services/single-table/backend.js'
import type { StorageBackend } from './services/storage-backend.js'

/**
 * Validates `config` (throwing `ValidationError` naming the field) and returns the backend of its
 * layout. Sends no request: engines start lazily or in `initialize()`.
 */
export function createStorageBackend(config?: StorageConfigInput): StorageBackend {
  const parsed = parseStorageConfig(config)
  if (parsed.backend.layout === 'single-table') return new SingleTableBackend(parsed.backend)
  throw new UnsupportedError("The 'multi-table' layout is not available yet")
}
