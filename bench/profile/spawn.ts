/**
 * Starts bench/servers/serve.ts of any checkout (ROOT: this one, or a copy of an older commit for
 * a before/after comparison) in its own process, with extra node flags such as --cpu-prof.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Server {
  url: string
  pid: number
  stop(): Promise<void>
}

export function startAt(root: string, scenario: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, 'bench/servers/serve.ts'), scenario], {
    cwd: root,
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${scenario} did not start in 30 s: ${stderr}`)), 30_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(error)
    }
    child.once('exit', (code) => fail(new Error(`${scenario} exited with ${code}: ${stderr}`)))
    let buffered = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve({ url: (JSON.parse(line) as { url: string }).url, pid: child.pid as number, stop: () => stop(child) })
    })
  })
}

/** SIGTERM lets the server close and exit normally, which is when node writes its --cpu-prof file. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
  })
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
