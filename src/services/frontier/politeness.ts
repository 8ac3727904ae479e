import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { Transport } from '../../engine/transport.js'
import { isConditionFailure } from '../plumbing/aws-errors.js'

/** A (run, domain) item outlives its last claim by this much (then TTL removes it). */
const DOMAIN_ITEM_DAYS = 1

/**
 * The politeness write of one claim of a domain: the (run, domain) item holds the instant of the
 * domain's last claim (`claimedAtMs`, the claimer's clock) and that claim's token. The update sets
 * both when the stored instant is at least `intervalMs` before `instantMs` (or there is none), or
 * when the item already holds `token` — the SDK's resend of this very write after a lost answer
 * then answers as its first delivery did. A failed condition means the domain is not due yet.
 */
export async function claimDomainItem(
  transport: Transport,
  table: string,
  key: Record<string, string>,
  instantMs: number,
  intervalMs: number,
  token: string,
): Promise<boolean> {
  try {
    await transport.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #at = :at, #token = :token, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#at) OR #at <= :due OR #token = :token',
        ExpressionAttributeNames: { '#at': 'claimedAtMs', '#token': 'claimToken', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':at': instantMs,
          ':due': instantMs - intervalMs,
          ':token': token,
          ':ttl': Math.floor((instantMs + intervalMs) / 1000) + DOMAIN_ITEM_DAYS * 86_400,
        },
      }),
    )
    return true
  } catch (error) {
    if (isConditionFailure(error)) return false
    throw error
  }
}
