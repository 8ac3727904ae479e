import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, inject } from 'vitest'
import type { DynamoDBClientLike } from '../../src/config.js'
import { operationName } from '../../src/engine/transport.js'
import { createStorageBackend, type StorageBackend, type StorageConfigInput } from '../../src/index.js'
import {
  assertLoopbackEndpoint,
  type EmbeddedEngine,
  startLocalEngine,
  uniqueTablePrefix,
} from '../../src/testing/index.js'
import type { EngineName, LayoutName } from './engines.js'

/**
 * A fault-injecting `client` for deterministic fault tests: it forwards every command to a real
 * engine's DynamoDBClient, except those a rule picks, which get a fault. The faults are what the
 * caller sees after the SDK's own retries ran out, or what the SDK's retries did on the wire:
 *
 * - `throttle`: the request never reaches the engine; a ProvisionedThroughputExceededException.
 * - `server-error`: likewise, an InternalServerError (HTTP 500).
 * - `lost-answer`: the engine applies the request, then the answer is lost (a socket error).
 * - `replay`: the engine applies the request, its answer is lost and the SDK sends it again: the
 *   caller gets the second delivery's answer (or error).
 *
 * - `pass`: sent as it is, after the rule's `before` (another writer's change landing just then).
 * - `throttle-statement` (BatchExecuteStatement): its first statement is not run and answers
 *   `ProvisionedThroughputExceeded`, as DynamoDB answers a throttled statement; the rest are run.
 *
 * Every command sent is kept in `sent`, so a test can deliver one again later (`resend`), as an SDK
 * retry delayed behind other writes would.
 */
export type ClientFault =
  | 'throttle'
  | 'server-error'
  | 'lost-answer'
  | 'replay'
  | 'throttle-statement'
  | 'pass'

export interface FaultRule {
  /** DynamoDB operation name (`UpdateItem`, `Query`, ...). */
  operation: string
  fault: ClientFault
  /** Only commands whose input satisfies this. */
  match?: (input: Record<string, unknown>) => boolean
  /** Fault only the nth matching command (1-based); default every matching command. */
  nth?: number
  /** How many matching commands to fault at most; default unlimited (or 1 with `nth`). */
  times?: number
  /** Awaited before a faulted command is handled. */
  before?: () => Promise<unknown>
}

export interface FaultClient extends DynamoDBClientLike {
  /** Every command given to `send`, in order, with its operation name and whether it was faulted. */
  readonly sent: { operation: string; command: unknown; fault?: ClientFault }[]
  /** Adds a rule (rules are tried in order; the first that fires wins). */
  inject(rule: FaultRule): void
  /** Removes every rule. */
  clear(): void
  /** Delivers a recorded command to the engine once more (a delayed SDK retry). */
  resend(index: number): Promise<unknown>
  /** Operation names sent since `from` (an index into `sent`). */
  operationsSince(from: number): string[]
}

function awsError(name: string, status: number, fault: 'client' | 'server'): Error {
  return Object.assign(new Error(`${name} (injected)`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
  })
}

function lostAnswer(): Error {
  return Object.assign(new Error('socket hang up (injected: the answer was lost)'), {
    name: 'TimeoutError',
    code: 'ECONNRESET',
    $metadata: { attempts: 1, totalRetryDelay: 0 },
  })
}

export function faultClient(real: DynamoDBClientLike): FaultClient {
  const rules: { rule: FaultRule; seen: number; fired: number }[] = []
  const sent: FaultClient['sent'] = []

  const pick = (operation: string, input: Record<string, unknown>): FaultRule | undefined => {
    for (const entry of rules) {
      const { rule } = entry
      if (rule.operation !== operation) continue
      if (rule.match && !rule.match(input)) continue
      entry.seen += 1
      if (rule.nth !== undefined && entry.seen !== rule.nth) continue
      const limit = rule.times ?? (rule.nth !== undefined ? 1 : Number.POSITIVE_INFINITY)
      if (entry.fired >= limit) continue
      entry.fired += 1
      return rule
    }
    return undefined
  }

  return {
    sent,
    inject(rule) {
      rules.push({ rule, seen: 0, fired: 0 })
    },
    clear() {
      rules.length = 0
    },
    async send(command, options) {
      const operation = operationName(command)
      const input = ((command as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>
      const rule = pick(operation, input)
      const fault = rule?.fault
      sent.push({ operation, command, ...(fault ? { fault } : {}) })
      await rule?.before?.()
      switch (fault) {
        case 'throttle':
          throw awsError('ProvisionedThroughputExceededException', 400, 'client')
        case 'server-error':
          throw awsError('InternalServerError', 500, 'server')
        case 'lost-answer':
          await real.send(command, options)
          throw lostAnswer()
        case 'replay':
          await real.send(command, options).catch(() => undefined)
          return real.send(command, options)
        case 'throttle-statement': {
          const statements = (input.Statements ?? []) as unknown[]
          const Command = (command as { constructor: new (input: unknown) => unknown }).constructor
          const rest =
            statements.length > 1
              ? ((await real.send(new Command({ ...input, Statements: statements.slice(1) }), options)) as {
                  Responses?: unknown[]
                })
              : { Responses: [] }
          const throttled = { Error: { Code: 'ProvisionedThroughputExceeded', Message: 'injected' } }
          return { ...rest, Responses: [throttled, ...(rest.Responses ?? [])] }
        }
        default:
          return real.send(command, options)
      }
    },
    resend(index) {
      const entry = sent[index]
      if (!entry) throw new Error(`no command #${index} was sent`)
      return real.send(entry.command)
    },
    operationsSince(from) {
      return sent.slice(from).map((entry) => entry.operation)
    },
  }
}

/** A real client for a loopback engine endpoint (the fixed local credentials the backend uses). */
export function loopbackClient(endpoint: string): DynamoDBClient {
  assertLoopbackEndpoint(endpoint)
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'ragcrawl', secretAccessKey: 'local' },
  })
}

/**
 * A backend on `engine` whose every request passes through a fault client, for one describe block.
 * The tables are created fault-free; rules added later fault the requests under test. `clean` is a
 * second backend on the same tables without faults, for checking what was stored.
 */
export function useFaultyBackend(
  engine: EngineName,
  layout: LayoutName,
  extra: Partial<NonNullable<StorageConfigInput['backend']>> = {},
) {
  const state = {} as {
    backend: StorageBackend
    clean: StorageBackend
    faults: FaultClient
    config: StorageConfigInput
    endpoint: string
  }
  let dynalite: EmbeddedEngine | undefined
  let real: DynamoDBClient | undefined
  beforeAll(async () => {
    if (engine === 'dynalite') {
      dynalite = await startLocalEngine()
      state.endpoint = dynalite.endpoint
    } else {
      state.endpoint = inject('dynamodbLocalEndpoint') as string
    }
    real = loopbackClient(state.endpoint)
    state.faults = faultClient(real)
    const tablePrefix = uniqueTablePrefix('fc')
    state.config = { backend: { endpointUrl: state.endpoint, layout, tablePrefix, ...extra } }
    state.clean = createStorageBackend(state.config)
    await state.clean.initialize()
    state.backend = createStorageBackend({
      backend: { layout, tablePrefix, ...extra, client: state.faults },
    })
  }, 60_000)
  afterAll(async () => {
    await state.backend?.close()
    await state.clean?.close()
    real?.destroy()
    await dynalite?.stop()
  })
  return state
}
