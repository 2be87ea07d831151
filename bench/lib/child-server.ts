import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ChildServer {
  url: string
  pid: number
  stop(): Promise<void>
}

const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerOptions {
  /** The checkout whose bench/servers/serve.ts runs (default this one; bench/profile compares with older ones). */
  root?: string
  /** Node flags before the script, e.g. --cpu-prof (default: BENCH_NODE_ARGS). */
  nodeArgs?: string[]
  startTimeoutMs?: number
  /** How long SIGTERM is given before SIGKILL (a --cpu-prof file is written on a normal exit). */
  stopGraceMs?: number
}

/**
 * Starts one benchmark server in its own process, so the load generator and the server never
 * share a core's event loop; it prints its URL as one JSON line when it listens.
 */
export function startServer(scenario: string, env: Record<string, string> = {}, options: ServerOptions = {}): Promise<ChildServer> {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" profiles every server of a run.
  const extra = options.nodeArgs ?? (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const root = options.root ?? REPO
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', join(root, 'bench/servers/serve.ts'), scenario], {
    cwd: root,
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${scenario} did not start in ${startTimeoutMs / 1000} s: ${stderr}`)), startTimeoutMs)
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
      resolve({ url: (JSON.parse(line) as { url: string }).url, pid: child.pid as number, stop: () => stop(child, options.stopGraceMs ?? 3_000) })
    })
  })
}

function stop(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref()
  })
}
