import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system, all threads) a process has used, from /proc; null off Linux or when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

/** Busy and total CPU seconds of the whole machine (every core, every process), from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = ticks.reduce((sum, t) => sum + t, 0)
    const idle = ticks[3]! + ticks[4]!
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND }
  } catch {
    return null
  }
}

export const coreCount = () => cpus().length

/** CPU seconds per named group of processes, and of the machine, between two samples. */
export interface CpuSample {
  at: number
  groups: Record<string, number>
  machine: { busy: number; total: number } | null
}

export function sampleCpu(groups: Record<string, number[]>): CpuSample {
  const summed: Record<string, number> = {}
  for (const [name, pids] of Object.entries(groups)) {
    summed[name] = pids.reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0)
  }
  return { at: performance.now(), groups: summed, machine: machineCpuSeconds() }
}

/** What a stretch of wall time cost in CPU: per group, ours in all, and the machine's busy share. */
export interface CpuUse {
  wallSeconds: number
  cores: number
  /** CPU seconds per group of processes (engine, proxy, workers). */
  seconds: Record<string, number>
  /** Our processes' CPU seconds / wall seconds / cores: 1 = every core busy with this simulation. */
  ours: number
  /** Every process's on the machine (other work included), same scale; null off Linux. */
  machine: number | null
}

export function cpuBetween(before: CpuSample, after: CpuSample): CpuUse {
  const wallSeconds = (after.at - before.at) / 1000
  const cores = coreCount()
  const seconds: Record<string, number> = {}
  for (const name of Object.keys(after.groups))
    seconds[name] = after.groups[name]! - (before.groups[name] ?? 0)
  const total = Object.values(seconds).reduce((sum, s) => sum + s, 0)
  const machine =
    before.machine && after.machine
      ? (after.machine.busy - before.machine.busy) /
        Math.max(1e-9, after.machine.total - before.machine.total)
      : null
  return { wallSeconds, cores, seconds, ours: total / wallSeconds / cores, machine }
}
