import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A Node child process running a TypeScript file through tsx, spoken to in JSON lines. */
export interface TsxChild {
  readonly pid: number
  send(message: unknown): void
  /** The next JSON line the child prints (rejects when it exits first, or after `timeoutMs`). */
  next<T>(timeoutMs: number): Promise<T>
  stop(): Promise<void>
}

export function spawnTsx(script: string, args: unknown): TsxChild {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', script, JSON.stringify(args)],
    { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  )
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4_000)
  })
  const lines: string[] = []
  const waiting: ((line: string | null) => void)[] = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return
    const waiter = waiting.shift()
    if (waiter) waiter(line)
    else lines.push(line)
  })
  child.once('exit', () => {
    for (const waiter of waiting.splice(0)) waiter(null)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    pid: child.pid ?? 0,
    send(message) {
      child.stdin.write(`${JSON.stringify(message)}\n`)
    },
    next<T>(timeoutMs: number) {
      const ready = lines.shift()
      if (ready) return Promise.resolve(JSON.parse(ready) as T)
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(take)
          if (i >= 0) waiting.splice(i, 1)
          reject(new Error(`${script}: no answer within ${timeoutMs} ms; stderr: ${stderr}`))
        }, timeoutMs)
        const take = (line: string | null) => {
          clearTimeout(timer)
          if (line === null) reject(new Error(`${script} exited ${child.exitCode}: ${stderr}`))
          else resolve(JSON.parse(line) as T)
        }
        if (child.exitCode !== null) take(null)
        else waiting.push(take)
      })
    },
    async stop() {
      if (child.exitCode !== null) return
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGTERM'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
