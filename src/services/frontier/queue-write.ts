import type { FrontierStatus } from '../../model/schemas.js'
import type { ItemChange } from './adapter.js'
import { placementOf, queueKeyOf } from './queue-key.js'

type Fields = Record<string, unknown>

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/**
 * The claim-index key a write gives the item: from the change when it tells (a take, a lease
 * extension, a finish, a retry scheduled for later), else from the stored item with the change
 * applied (one consistent GetItem: a status set back to pending or in_progress without the fields
 * that place it — a release, a requeue, a caller's `updateFrontierStatus`). `null`: the write does
 * not move the item (or it is absent: the write's condition decides); `undefined`: it leaves the
 * index (finished).
 */
export async function queuePlacement(
  change: ItemChange,
  itemKey: string,
  readStored: () => Promise<Fields | undefined>,
  format: (raw: Fields) => Fields | undefined | null,
): Promise<string | undefined | null> {
  const placement = placementOf(change, itemKey)
  if (placement !== 'read') return placement === null ? null : placement.key
  const raw = await readStored()
  const stored = raw && format(raw)
  if (!stored) return null
  const merged: Fields = { ...stored, ...change.set }
  for (const name of change.remove ?? []) delete merged[name]
  const discoveredAt = dateOf(merged.discoveredAt)
  if (discoveredAt === null || typeof merged.priority !== 'number') return null
  return queueKeyOf(
    {
      status: merged.status as FrontierStatus,
      priority: merged.priority,
      discoveredAt,
      scheduledAt: dateOf(merged.scheduledAt),
      leaseExpiresAt: dateOf(merged.leaseExpiresAt),
    },
    itemKey,
  )
}
