import { createServer } from 'node:http'
import {
  ERROR_PREFIX,
  type Forward,
  forwarderTo,
  keepAliveAgent,
  listenOnLoopback,
  operationOf,
  passThrough,
  readBody,
  sendJson,
  throughputExceeded,
} from '../../bench/support/http-proxy.js'
import { assertLoopbackEndpoint } from '../../src/testing/index.js'

/**
 * Probabilities of each fault. `throttle`, `serverError`, `dropConnection` and `dropResponse` are
 * per request and exclusive (their sum must not exceed 1). `unprocessed` is per write request inside a
 * BatchWriteItem: each put or delete is held back with this probability and returned as
 * `UnprocessedItems`, so `unprocessed: 1` leaves every BatchWriteItem entirely unprocessed.
 */
export interface FaultRates {
  /** HTTP 400 ProvisionedThroughputExceededException. */
  throttle?: number
  /** HTTP 500 InternalServerError. */
  serverError?: number
  /** The socket is destroyed without an answer (the request never reaches the engine). */
  dropConnection?: number
  /**
   * The request reaches the engine, then the socket is destroyed before the answer is sent: the
   * write happened but the client cannot know (a retry replays it).
   */
  dropResponse?: number
  /** BatchWriteItem only: per write request, held back and returned as UnprocessedItems. */
  unprocessed?: number
}

export interface FaultProxyStats {
  /** DynamoDB requests received. */
  requests: number
  /** Requests forwarded to the engine (a partially held-back BatchWriteItem included). */
  forwarded: number
  throttle: number
  serverError: number
  dropConnection: number
  dropResponse: number
  /** BatchWriteItem requests answered with UnprocessedItems added by the proxy. */
  unprocessed: number
  /** Write requests held back in those answers. */
  unprocessedItems: number
  /** Requests received per operation. */
  byOperation: Record<string, number>
}

export interface FaultProxyOptions {
  /** `http://127.0.0.1:<port>` of a real engine. */
  target: string
  rates: FaultRates
  /** Seed of the fault PRNG: one seed gives one sequence of draws. */
  seed?: number
  /**
   * Operations that may get faults. Default: the data operations (`DATA_OPERATIONS`), so
   * CreateTable, DescribeTable and the other table operations always pass and setup works; a list
   * given here is used as is (name DescribeTable to fault a health check).
   */
  operations?: string[]
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` of the proxy, for `endpointUrl`. */
  readonly endpoint: string
  /** Live counters (the same object throughout). */
  readonly stats: FaultProxyStats
  /** Replaces the fault rates for the requests that follow. */
  setRates(rates: FaultRates): void
  stop(): Promise<void>
}

export const DATA_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]

type WriteRequests = Record<string, unknown[]>

/** mulberry32: a small deterministic PRNG giving floats in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * A fault-injecting HTTP proxy in front of a real DynamoDB engine, on a free loopback port. Each
 * DynamoDB JSON request (`x-amz-target: DynamoDB_20120810.<Operation>`) is forwarded unchanged,
 * or, with the configured probabilities, answered with a throttle (400) or a server error (500),
 * dropped before reaching the engine, forwarded with its answer lost, or (BatchWriteItem) forwarded
 * in part with the rest returned as UnprocessedItems. Both ends are loopback only.
 *
 * A BatchWriteItem forwarded in part no longer matches its SigV4 payload hash; dynalite and
 * DynamoDB Local do not check it. Rewritten answers get a fresh `content-length` and `x-amz-crc32`.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  assertLoopbackEndpoint(options.target)
  const target = new URL(options.target)
  const random = prng(options.seed ?? 1)
  const faulty = new Set(options.operations ?? DATA_OPERATIONS)
  let rates = checkRates(options.rates)
  const stats: FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    throttle: 0,
    serverError: 0,
    dropConnection: 0,
    dropResponse: 0,
    unprocessed: 0,
    unprocessedItems: 0,
    byOperation: {},
  }
  const agent = keepAliveAgent()
  const send = forwarderTo(target, agent)
  const forward: Forward = (req, body, done) => {
    stats.forwarded++
    send(req, body, done)
  }

  const server = createServer((req, res) => {
    readBody(req, res, (body) => {
      const operation = operationOf(req.headers)
      stats.requests++
      if (operation) stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1
      const eligible = operation !== undefined && faulty.has(operation)

      const draw = eligible ? random() : 1
      let edge = rates.throttle
      if (draw < edge) {
        stats.throttle++
        return sendJson(
          res,
          400,
          throughputExceeded(
            'The level of configured provisioned throughput for the table was exceeded (fault proxy)',
          ),
        )
      }
      edge += rates.serverError
      if (draw < edge) {
        stats.serverError++
        return sendJson(res, 500, {
          __type: `${ERROR_PREFIX}InternalServerError`,
          message: 'Internal server error (fault proxy)',
        })
      }
      edge += rates.dropConnection
      if (draw < edge) {
        stats.dropConnection++
        req.socket.destroy()
        return
      }
      edge += rates.dropResponse
      if (draw < edge) {
        stats.dropResponse++
        return forward(req, body, () => req.socket.destroy())
      }

      if (eligible && operation === 'BatchWriteItem' && rates.unprocessed > 0) {
        const split = splitBatch(body, rates.unprocessed, random)
        if (split) {
          stats.unprocessed++
          stats.unprocessedItems += split.heldBack
          if (split.forward === null) {
            return sendJson(res, 200, { UnprocessedItems: split.held })
          }
          return forward(req, split.forward, (status, headers, engineBody) => {
            if (status !== 200) return passThrough(res, status, headers, engineBody)
            let parsed: { UnprocessedItems?: WriteRequests } & Record<string, unknown>
            try {
              parsed = JSON.parse(engineBody.toString('utf8'))
            } catch {
              return passThrough(res, status, headers, engineBody)
            }
            const merged: WriteRequests = { ...(parsed.UnprocessedItems ?? {}) }
            for (const [table, requests] of Object.entries(split.held)) {
              merged[table] = [...(merged[table] ?? []), ...requests]
            }
            sendJson(res, 200, { ...parsed, UnprocessedItems: merged }, headers)
          })
        }
      }
      forward(req, body, (status, headers, engineBody) => passThrough(res, status, headers, engineBody))
    })
  })

  const listening = await listenOnLoopback(server, () => agent.destroy())
  return {
    endpoint: listening.endpoint,
    stats,
    setRates(next) {
      rates = checkRates(next)
    },
    stop: listening.stop,
  }
}

function checkRates(rates: FaultRates): Required<FaultRates> {
  const checked = {
    throttle: rates.throttle ?? 0,
    serverError: rates.serverError ?? 0,
    dropConnection: rates.dropConnection ?? 0,
    dropResponse: rates.dropResponse ?? 0,
    unprocessed: rates.unprocessed ?? 0,
  }
  for (const [name, rate] of Object.entries(checked)) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate ${name} must be in [0, 1], got ${rate}`)
  }
  if (checked.throttle + checked.serverError + checked.dropConnection + checked.dropResponse > 1 + 1e-9) {
    throw new RangeError('throttle + serverError + dropConnection + dropResponse must not exceed 1')
  }
  return checked
}

/**
 * Holds back each write request of a BatchWriteItem body with probability `rate`. Returns null
 * when nothing was held back; `forward` is null when everything was.
 */
function splitBatch(
  body: Buffer,
  rate: number,
  random: () => number,
): { forward: Buffer | null; held: WriteRequests; heldBack: number } | null {
  let input: { RequestItems?: WriteRequests } & Record<string, unknown>
  try {
    input = JSON.parse(body.toString('utf8'))
  } catch {
    return null
  }
  const kept: WriteRequests = {}
  const held: WriteRequests = {}
  let heldBack = 0
  for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
    for (const writeRequest of requests) {
      const into = random() < rate ? held : kept
      if (into === held) heldBack++
      into[table] ??= []
      into[table].push(writeRequest)
    }
  }
  if (heldBack === 0) return null
  const forward =
    Object.keys(kept).length === 0 ? null : Buffer.from(JSON.stringify({ ...input, RequestItems: kept }))
  return { forward, held, heldBack }
}
