import {
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import * as zlib from 'node:zlib'

/**
 * Plumbing shared by the HTTP proxies put in front of a loopback engine (the bench's latency and
 * write-budget proxy, the tests' fault proxy): the operation of a DynamoDB JSON request,
 * forwarding a whole request and reading the whole answer, and writing JSON answers.
 */

export const TARGET_PREFIX = 'DynamoDB_20120810.'
export const JSON_TYPE = 'application/x-amz-json-1.0'
export const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#'

export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
])

/** The body DynamoDB answers (with HTTP 400) when a partition or table is over its throughput. */
export function throughputExceeded(message: string) {
  return { __type: `${ERROR_PREFIX}ProvisionedThroughputExceededException`, message }
}

/** `GetItem` from `x-amz-target: DynamoDB_20120810.GetItem`, or undefined. */
export function operationOf(headers: IncomingHttpHeaders): string | undefined {
  const targetHeader = headers['x-amz-target']
  const value = Array.isArray(targetHeader) ? targetHeader[0] : targetHeader
  return value?.startsWith(TARGET_PREFIX) ? value.slice(TARGET_PREFIX.length) : undefined
}

/** Reads a request's whole body, then calls `done` with it. */
export function readBody(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('error', () => res.destroy())
  req.on('end', () => done(Buffer.concat(chunks)))
}

export type Forward = (
  req: IncomingMessage,
  body: Buffer,
  done: (status: number, headers: IncomingHttpHeaders, body: Buffer) => void,
) => void

/**
 * A function that sends a request (its headers, `body` in place of its own) to `target` over
 * `agent` and hands the engine's whole answer to `done`; a failed exchange drops the client's socket.
 */
export function forwarderTo(target: URL, agent: Agent): Forward {
  return (req, body, done) => {
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue
      headers[name] = value
    }
    headers['content-length'] = String(body.length)
    delete headers['accept-encoding'] // keep the engine's answer plain JSON, so it can be read or rewritten
    const upstream = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (chunk: Buffer) => parts.push(chunk))
        answer.on('error', () => req.socket.destroy())
        answer.on('end', () => done(answer.statusCode ?? 502, answer.headers, Buffer.concat(parts)))
      },
    )
    upstream.on('error', () => req.socket.destroy())
    upstream.end(body)
  }
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true })
}

export function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  engineHeaders?: IncomingHttpHeaders,
): void {
  const body = Buffer.from(JSON.stringify(payload))
  const headers: Record<string, string | number> = {
    'content-type': JSON_TYPE,
    'content-length': body.length,
    'x-amzn-requestid': String(engineHeaders?.['x-amzn-requestid'] ?? `proxy-${Date.now()}`),
  }
  const crc = crc32(body)
  if (crc !== undefined) headers['x-amz-crc32'] = crc
  res.writeHead(status, headers)
  res.end(body)
}

/** Sends the engine's answer on unchanged (hop-by-hop headers dropped). */
export function passThrough(
  res: ServerResponse,
  status: number,
  headers: IncomingHttpHeaders,
  body: Buffer,
): void {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    out[name] = value
  }
  out['content-length'] = String(body.length)
  res.writeHead(status, out)
  res.end(body)
}

/** CRC32 of the body for `x-amz-crc32` (zlib.crc32 is in Node ≥ 20.15); without it the header is left out. */
function crc32(body: Buffer): number | undefined {
  const fn = (zlib as { crc32?: (data: Uint8Array) => number }).crc32
  return typeof fn === 'function' ? fn(body) : undefined
}

/**
 * Starts `server` on a free loopback port: its endpoint, and a stop (idempotent) that closes it,
 * its open connections, and then whatever `cleanup` releases.
 */
export async function listenOnLoopback(
  server: Server,
  cleanup: () => void,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  let stopped: Promise<void> | undefined
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        cleanup()
      })
      return stopped
    },
  }
}
