import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildReport } from './child.js'
import { MEMORY_SCENARIOS, type ScenarioArgs } from './scenarios.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))

/** Runs a scenario's `setup` here, then the scenario in a fresh Node process; returns its report. */
export async function runInChild(args: ScenarioArgs): Promise<ChildReport> {
  const scenario = MEMORY_SCENARIOS[args.scenario]
  if (!scenario) throw new Error(`unknown memory scenario ${args.scenario}`)
  await scenario.setup?.(args)
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(scenario.heapLimitMb ? [`--max-old-space-size=${scenario.heapLimitMb}`] : []),
        '--import',
        'tsx',
        CHILD,
        JSON.stringify(args),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').at(-1)
      if (code !== 0 || !line) {
        reject(new Error(`memory child ${args.scenario} exited ${code}: ${stderr.trim().slice(-2_000)}`))
        return
      }
      resolve(JSON.parse(line) as ChildReport)
    })
  })
}
