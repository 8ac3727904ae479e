const CREDENTIAL_KEYS = new Set(
  ['awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken'].flatMap((key) => [
    key,
    key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  ]),
)

/** A deep copy of `value` without credential keys at any depth: they are never persisted. */
export function withoutCredentials<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutCredentials) as T
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !CREDENTIAL_KEYS.has(key))
        .map(([key, inner]) => [key, withoutCredentials(inner)]),
    ) as T
  }
  return value
}
