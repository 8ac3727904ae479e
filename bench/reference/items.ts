/**
 * Records in the Python reference's stored form (PynamoDB models of ragcrawl's
 * `storage/dynamodb/models.py`): snake_case attributes, datetimes as `UTCDateTimeAttribute`
 * strings (`2026-01-02T03:04:05.123000+0000`), lists and dicts as JSON strings (`JSONAttribute`),
 * `None` left out.
 */
export function toReferenceItem(
  record: object,
  renames: Record<string, string> = {},
): Record<string, string | number | boolean> {
  const item: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue
    const name = renames[key] ?? snakeCase(key)
    if (value instanceof Date) item[name] = pynamoDateTime(value)
    else if (typeof value === 'object') item[name] = JSON.stringify(value)
    else item[name] = value as string | number | boolean
  }
  return item
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}

/** PynamoDB's `'%Y-%m-%dT%H:%M:%S.%f+0000'`. */
export function pynamoDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000+0000`
}

/** The version model stores `last_modified` as `last_modified_header`. */
export const VERSION_RENAMES = { lastModified: 'last_modified_header' }
