import {
  CapacityError,
  ConflictError,
  NotFoundError,
  StorageError,
  UnsupportedError,
  ValidationError,
} from '../../errors.js'

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
])

const UNSUPPORTED = new Set(['UnknownOperationException', 'UnrecognizedClientException'])

/** The AWS error name behind `error`, looking through ElectroDB's wrapping. */
export function awsErrorName(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current as { name?: string; __type?: string; cause?: unknown; originalError?: unknown }
    const type = candidate.__type?.split('#').pop()
    if (type) return type
    if (candidate.name && candidate.name !== 'ElectroError' && candidate.name !== 'Error')
      return candidate.name
    current = candidate.cause ?? candidate.originalError
  }
  return undefined
}

export function isConditionFailure(error: unknown): boolean {
  const name = awsErrorName(error)
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException'
}

/** A Query on an index the table does not have (tables created by an older version). */
export function isMissingIndex(error: unknown): boolean {
  return awsErrorName(error) === 'ValidationException' && /specified index/i.test((error as Error).message)
}

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(awsErrorName(error) ?? '')
}

/** Retryable: throttling, 5xx, and dropped or refused connections. */
export function isRetryable(error: unknown): boolean {
  if (isThrottling(error)) return true
  const e = error as { $metadata?: { httpStatusCode?: number }; code?: string; name?: string }
  const status = e?.$metadata?.httpStatusCode
  if (status !== undefined && status >= 500) return true
  const name = awsErrorName(error) ?? ''
  if (['InternalServerError', 'ServiceUnavailable', 'InternalFailure', 'TimeoutError'].includes(name))
    return true
  return ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN'].includes(e?.code ?? '')
}

/** Translates anything thrown below the public surface into the `StorageError` family. */
export function toStorageError(error: unknown, context: string): StorageError {
  if (error instanceof StorageError) return error
  const name = awsErrorName(error)
  const detail = (error as Error)?.message ?? String(error)
  if (name === 'ConditionalCheckFailedException')
    return new ConflictError(`${context}: condition failed`, { cause: error })
  if (name && THROTTLING.has(name))
    return new CapacityError(`${context}: throttled (${name})`, { cause: error })
  if (name === 'ResourceNotFoundException') {
    return new NotFoundError(`${context}: table not found; call initialize() first (${detail})`, {
      cause: error,
    })
  }
  if (name && UNSUPPORTED.has(name)) return new UnsupportedError(`${context}: ${detail}`, { cause: error })
  const electroCode = (error as { code?: number })?.code
  if (typeof electroCode === 'number' && electroCode >= 3000 && electroCode < 4000) {
    return new ValidationError([{ path: '', message: detail }], { cause: error })
  }
  return new StorageError(`${context}: ${detail}`, { cause: error })
}
