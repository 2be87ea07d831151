/** One profiled load run of a preset, from any checkout (see spawn.ts). */
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { Preset } from './presets.js'
import { startAt } from './spawn.js'

export interface LoadRun {
  requestsPerSecond: number
  requests: number
  statuses: Record<string, number>
}

export async function drive(url: string, preset: Preset, seconds: number): Promise<LoadRun> {
  const result = await autocannon({ url: `${url}/data`, headers: preset.headers ?? {}, duration: seconds, connections: 16 })
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]))
  return { requestsPerSecond: result.requests.average, requests: result.requests.total, statuses }
}

/** Runs the preset's server under --cpu-prof for `seconds` of load; returns the profile file and the load figures. */
export async function profileOnce(root: string, name: string, preset: Preset, seconds: number): Promise<LoadRun & { file: string }> {
  const dir = join(process.env.PROFILE_DIR ?? '/tmp/tollgate-profiles', `${name}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  const server = await startAt(root, preset.scenario, preset.env, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  let run: LoadRun
  try {
    run = await drive(server.url, preset, seconds)
  } finally {
    await server.stop()
  }
  // tsx's loader runs in a worker thread, which writes a small profile of its own: the main thread's is the largest.
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]
  if (!file) throw new Error(`no profile written in ${dir}`)
  return { ...run, file: join(dir, file) }
}
