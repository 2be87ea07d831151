/**
 * Starts bench/servers/serve.ts of any checkout (ROOT: this one, or a copy of an older commit for
 * a before/after comparison) in its own process, with extra node flags such as --cpu-prof.
 */
import { startServer } from '../lib/child-server.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Server {
  url: string
  pid: number
  stop(): Promise<void>
}

export function startAt(root: string, scenario: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  // SIGTERM lets the server close and exit normally, which is when node writes its --cpu-prof file.
  return startServer(scenario, env, { root, nodeArgs, startTimeoutMs: 30_000, stopGraceMs: 10_000 })
}

/** CPU time (user + system) a process has used, in µs, from /proc (Linux); undefined elsewhere. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return undefined
  }
}
