import { execFileSync } from 'node:child_process'
import { cpus, platform, release, totalmem } from 'node:os'

/** The machine and code a run measured: stated beside every figure of the report. */
export function environment(): {
  node: string
  platform: string
  cpus: string
  commit: string
  dirty: boolean
} {
  const cores = cpus()
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    ...git(),
  }
}

function git(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    return { commit, dirty: status.length > 0 }
  } catch {
    return { commit: 'unknown', dirty: false }
  }
}
