import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitForExit } from '../../support/child-exit.js'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))

export interface Spawned {
  child: ChildProcess
  /** Everything printed so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout (rejects if the process exits or `ms` pass first). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>
  /** Resolves with the exit code (null: killed by a signal). */
  exited(ms?: number): Promise<number | null>
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Spawns a process and keeps its output; stopped by pid (SIGTERM, then SIGKILL). */
export function spawnProcess(command: string, args: string[], env: Record<string, string | undefined> = {}): Spawned {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  child.once('exit', () => live.delete(child))
  const spawned: Spawned = {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out)
          if (!match) return false
          cleanup()
          resolve(match)
          return true
        }
        const onExit = () => {
          if (check()) return
          cleanup()
          reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`))
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`no ${pattern} within ${ms} ms\nstdout: ${out}\nstderr: ${err}`))
        }, ms)
        const cleanup = () => {
          clearTimeout(timer)
          child.stdout?.off('data', check)
          child.off('exit', onExit)
        }
        if (check()) return
        child.stdout?.on('data', check)
        child.once('exit', onExit)
      }),
    exited: async (ms = 60_000) => {
      if (child.exitCode === null && child.signalCode === null && !(await waitForExit(child, ms))) throw new Error(`process still running after ${ms} ms\nstdout: ${out}\nstderr: ${err}`)
      return child.exitCode
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      if (!(await waitForExit(child, 15_000))) {
        child.kill('SIGKILL')
        await waitForExit(child, 5_000)
      }
    },
  }
  return spawned
}

export interface Upstream extends Spawned {
  url: string
  /** What the upstream received and wrote, read from it directly. */
  log(): Promise<{ event: string; at: number; method?: string; url?: string; headers?: Record<string, string>; body?: string; index?: number }[]>
}

/** The Node test upstream in its own process. */
export async function startUpstream(): Promise<Upstream> {
  const spawned = spawnProcess(process.execPath, [fileURLToPath(new URL('./upstream.mjs', import.meta.url))])
  const [, port] = await spawned.waitFor(/listening on (\d+)/, 30_000)
  const url = `http://127.0.0.1:${port}`
  return { ...spawned, url, log: async () => (await fetch(`${url}/_log`)).json() }
}

export interface Gateway extends Spawned {
  url: string
}

/** `tollgate gateway …` as the bin runs it (src/cli.ts through tsx), listening on a port it picks. */
export async function startGateway(args: string[], env: Record<string, string | undefined> = {}): Promise<Gateway> {
  const spawned = spawnProcess(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'gateway', '--port', '0', ...args], env)
  const [, url] = await spawned.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000)
  // The summary is printed in one write after the listening line; wait for its end so tests read it whole.
  await spawned.waitFor(/forward: .*\n/, 30_000)
  return { ...spawned, url: url as string }
}

/** Runs `tollgate gateway …` expecting it to exit (bad configuration, --help); resolves with its code and output. */
export async function runGatewayOnce(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const spawned = spawnProcess(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'gateway', ...args], env)
  const code = await spawned.exited(60_000)
  return { code, stdout: spawned.stdout(), stderr: spawned.stderr() }
}
