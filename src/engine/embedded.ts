import type { AddressInfo } from 'node:net'

/** An in-process dynalite listening on a free loopback port. */
export interface EmbeddedEngine {
  readonly endpoint: string
  stop(): Promise<void>
}

const DYNALITE: string = 'dynalite'

/** Starts dynalite in memory, or persisted in `path` when given. */
export async function startEmbeddedEngine(options: { path?: string } = {}): Promise<EmbeddedEngine> {
  // A specifier bundlers do not follow: a bundled handler (Lambda) does not carry dynalite and its
  // storage stack (~250 KB minified) for an option it never uses; Node resolves it when it is used.
  const { default: dynalite } = (await import(DYNALITE)) as typeof import('dynalite')
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
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
        server.closeAllConnections?.()
      })
      return stopped
    },
  }
}

/** `embedded` → in memory; `embedded:<dir>` → persisted in `<dir>`; anything else → not embedded. */
export function parseEmbeddedEndpoint(endpointUrl: string | undefined): { path?: string } | null {
  if (endpointUrl === 'embedded') return {}
  if (endpointUrl?.startsWith('embedded:')) return { path: endpointUrl.slice('embedded:'.length) }
  return null
}

/** Whether `endpoint` is on this machine (a local engine, which accepts any key). */
export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host)
  } catch {
    return false
  }
}
