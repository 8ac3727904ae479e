import type { LogicalRecord } from '../migration-codec.js'

/** Credential key names, compared without case and separators (`AWS_SECRET_ACCESS_KEY` = `awsSecretAccessKey`). */
const CREDENTIAL_KEYS = new Set(
  ['accessKeyId', 'secretAccessKey', 'sessionToken'].flatMap((key) => {
    const bare = normalizedKey(key)
    return [bare, `aws${bare}`]
  }),
)

function normalizedKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEYS.has(normalizedKey(key))
}

/** A deep copy of `value` without credential keys at any depth: they are never persisted. */
export function withoutCredentials<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutCredentials) as T
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !isCredentialKey(key))
        .map(([key, inner]) => [key, withoutCredentials(inner)]),
    ) as T
  }
  return value
}

/**
 * A record read for migration or verify, with the credential keys of a site's `config` or a run's
 * `configSnapshot` dropped: data written by another tool (or an older version) is scrubbed on its
 * way to the target, and compares equal to what the target then holds.
 */
export function recordWithoutCredentials(record: LogicalRecord): LogicalRecord {
  if (record.table === 'sites')
    return { ...record, value: { ...record.value, config: withoutCredentials(record.value.config) } }
  if (record.table === 'runs')
    return {
      ...record,
      value: { ...record.value, configSnapshot: withoutCredentials(record.value.configSnapshot) },
    }
  return record
}
