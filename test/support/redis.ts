import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './anvil.js'
import { exited, waitForExit } from './child-exit.js'

export interface TestRedis {
  url: string
  port: number
  /** Pid of the current redis-server (a restart gives a new one). */
  readonly pid: number
  /** SIGTERM, SIGKILL if it lingers; waits for the exit. */
  stop(): Promise<void>
  /** SIGKILL: Redis disappears mid-run, as in a crash. */
  kill(): Promise<void>
  /** Starts a fresh, empty redis-server on the same port. */
  restart(): Promise<void>
}

const READY_TIMEOUT_MS = 10_000
const STOP_GRACE_MS = 2_000
const INSTALL_HINT = 'apt-get install -y redis-server'

// A redis-server left behind by a crashed worker would hold its port forever: kill what is left on exit.
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

let available: boolean | undefined
export function redisAvailable(): boolean {
  available ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
  return available
}

/**
 * `true` when `suite` must skip: redis-server is missing and REQUIRE_REDIS is not set (it prints
 * why). With REQUIRE_REDIS=1, as in CI, a missing redis-server is an error, never a silent skip.
 */
export function requireRedisOrSkip(suite: string): boolean {
  if (redisAvailable()) return false
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but redis-server is not installed (${INSTALL_HINT})`)
  process.stdout.write(`SKIP ${suite}: redis-server not installed (${INSTALL_HINT})\n`)
  return true
}

/** One PING over a raw socket: true once the server answers PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let answer = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'))
    })
  })
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  // No persistence: a test Redis starts empty and leaves nothing behind; --dir keeps any stray file in our tmp dir.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning']
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  if (child.pid === undefined) throw new Error('could not spawn redis-server')
  live.add(child)
  installExitHook()
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited(child)) {
      live.delete(child)
      throw new Error(`redis-server exited early (code ${child.exitCode}, signal ${child.signalCode}): ${stderr}`)
    }
    if (await ping(port)) return child
    await new Promise((r) => setTimeout(r, 20))
  }
  await terminate(child, 'SIGKILL')
  throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms: ${stderr}`)
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!exited(child)) {
    child.kill(signal)
    if (!(await waitForExit(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL')
      await waitForExit(child, STOP_GRACE_MS)
    }
  }
  live.delete(child)
}

/** freePort() closes its probe before redis-server binds, so another process may take the port in between: retry. */
async function launchOnFreePort(dir: string): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    try {
      return { port, child: await launch(port, dir) }
    } catch (error) {
      if (attempt >= 2 || !/already in use/i.test(String(error))) throw error
    }
  }
}

/** A fresh redis-server on a free 127.0.0.1 port, without persistence, owned (and stopped) by the caller. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'))
  let started: { port: number; child: ChildProcess }
  try {
    started = await launchOnFreePort(dir)
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const { port } = started
  let child = started.child
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid as number
    },
    stop: async () => {
      await terminate(child, 'SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
    kill: () => terminate(child, 'SIGKILL'),
    restart: async () => {
      await terminate(child, 'SIGTERM')
      child = await launch(port, dir)
    },
  }
}
