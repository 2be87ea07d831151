import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface ChildServer {
  url: string
  pid: number
  stop(): Promise<void>
}

const script = fileURLToPath(new URL('../servers/serve.ts', import.meta.url))

/**
 * Starts one benchmark server in its own process, so the load generator and the server never
 * share a core's event loop; it prints its URL as one JSON line when it listens.
 */
export function startServer(scenario: string, env: Record<string, string> = {}): Promise<ChildServer> {
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles" profiles every server of a run.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, scenario], {
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${scenario} did not start in 20 s: ${stderr}`)), 20_000)
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

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 3_000).unref()
  })
}
