import { spawn } from 'node:child_process'
import { getHeapStatistics } from 'node:v8'

/**
 * Makes sure this process may grow its heap to `megabytes`: the in-process engine holds every
 * item a section writes (a full run's growth section: 100,000-page sites and their frontiers).
 * When the limit is lower, runs this same script again in a child Node with
 * `--max-old-space-size`, passing signals on, and returns its exit code; otherwise returns null
 * and the caller goes on.
 */
export async function reexecWithHeap(megabytes: number): Promise<number | null> {
  const limit = getHeapStatistics().heap_size_limit / 2 ** 20
  if (limit >= megabytes || process.env.BENCH_HEAP_REEXEC) return null
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${megabytes}`, process.argv[1]!, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, BENCH_HEAP_REEXEC: '1' } },
  )
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}
