/** One error family for everything the library throws; callers branch on `code` or `instanceof`. */
export type StorageErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CAPACITY'
  | 'UNSUPPORTED'
  | 'ABORTED'
  | 'STORAGE'

/** Each subclass names its `code` once, as a static; an instance's `name` is its class's name. */
export class StorageError extends Error {
  static readonly code: StorageErrorCode = 'STORAGE'
  readonly code: StorageErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = (new.target as typeof StorageError).code
  }
}

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `page.depth` or `backend.region`. */
  path: string
  message: string
}

export class ValidationError extends StorageError {
  static override readonly code = 'VALIDATION'
  readonly issues: ValidationIssue[]
  constructor(issues: ValidationIssue[], options?: { cause?: unknown }) {
    super(`Invalid input: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, options)
    this.issues = issues
  }
  /** The offending field paths, e.g. `['depth']`. */
  get paths(): string[] {
    return this.issues.map((i) => i.path)
  }
}

export class NotFoundError extends StorageError {
  static override readonly code = 'NOT_FOUND'
}

export class ConflictError extends StorageError {
  static override readonly code = 'CONFLICT'
}

export class CapacityError extends StorageError {
  static override readonly code = 'CAPACITY'
  /** Ids of the records that were not written when the retries ran out. */
  readonly unprocessed: string[]
  constructor(message: string, options?: { cause?: unknown; unprocessed?: string[] }) {
    super(message, options)
    this.unprocessed = options?.unprocessed ?? []
  }
}

export class UnsupportedError extends StorageError {
  static override readonly code = 'UNSUPPORTED'
}

/** A call whose `AbortSignal` was aborted; `name` is `'AbortError'`, `cause` the signal's reason. */
export class AbortError extends StorageError {
  static override readonly code = 'ABORTED'
}
