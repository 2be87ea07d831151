import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitForExit } from './child-exit.js'

export interface Anvil {
  rpcUrl: string
  chainId: number
  pid: number
  stop(): Promise<void>
}

const READY_TIMEOUT_MS = 10_000
const STOP_GRACE_MS = 2_000

// Anvils still running when the test process exits would outlive it (they are not our process
// group's responsibility once vitest's worker dies), so kill whatever is left on the way out.
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/** Path of the anvil binary shipped by @foundry-rs/anvil's platform package. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url)
  try {
    const pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json')
    const bin = join(dirname(pkg), 'bin', 'anvil')
    if (existsSync(bin)) return bin
  } catch {
    // fall through: another platform package or a hoisting layout we do not know
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const fallback = join(root, 'node_modules', '.bin', 'anvil')
  if (existsSync(fallback)) return fallback
  throw new Error('anvil binary not found: is @foundry-rs/anvil installed (npm ci)?')
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))))
    })
  })
}

async function rpc<T>(rpcUrl: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    // A port that accepts and never answers must not hang a test's setup.
    signal: AbortSignal.timeout(5_000),
  })
  const json = (await res.json()) as { result?: T; error?: { message: string } }
  if (json.error) throw new Error(`${method}: ${json.error.message}`)
  return json.result as T
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    if (!(await waitForExit(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL')
      await waitForExit(child, STOP_GRACE_MS)
    }
  }
  live.delete(child)
}

/**
 * Starts anvil on a port it picks itself (`--port 0`) and reads the port from its "Listening on"
 * line. Choosing a free port first and handing it over left a window in which another process
 * (another test's anvil or server) could take it; anvil then failed to bind, while eth_chainId on
 * that port was answered by the other process with the same chain id, so the test ran on a chain
 * that was not its own and hung or failed when that chain went away.
 */
async function launch(bin: string, chainId: number): Promise<Anvil> {
  const child = spawn(bin, ['--chain-id', String(chainId), '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`could not spawn ${bin}`)
  live.add(child)
  installExitHook()
  let output = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000)
  })
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`anvil did not say where it listens within ${READY_TIMEOUT_MS} ms: ${output}`)), READY_TIMEOUT_MS)
      child.stdout?.setEncoding('utf8')
      child.stdout?.on('data', (chunk: string) => {
        output = (output + chunk).slice(-4000)
        const listening = /Listening on 127\.0\.0\.1:(\d+)/.exec(output)
        if (listening) {
          clearTimeout(timer)
          resolvePort(Number(listening[1]))
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`anvil exited early (code ${code}, signal ${signal}): ${output}`))
      })
    })
    const rpcUrl = `http://127.0.0.1:${port}`
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      try {
        if (Number(await rpc<string>(rpcUrl, 'eth_chainId')) === chainId) return { rpcUrl, chainId, pid: child.pid, stop: () => stopChild(child) }
      } catch {
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    throw new Error(`anvil did not answer eth_chainId on ${rpcUrl} within ${READY_TIMEOUT_MS} ms: ${output}`)
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

/** Starts a fresh automining anvil on a free 127.0.0.1 port (default chain id 84532, Base Sepolia's). */
export async function startAnvil(opts: { chainId?: number } = {}): Promise<Anvil> {
  return launch(anvilBinary(), opts.chainId ?? 84532)
}

/** Moves the chain clock forward and mines a block so the new timestamp is visible. */
export async function increaseTime(rpcUrl: string, seconds: number): Promise<void> {
  await rpc(rpcUrl, 'evm_increaseTime', [seconds])
  await rpc(rpcUrl, 'evm_mine')
}

/** Sets the timestamp of the next block and mines it. */
export async function setNextBlockTime(rpcUrl: string, timestamp: number): Promise<void> {
  await rpc(rpcUrl, 'evm_setNextBlockTimestamp', [timestamp])
  await rpc(rpcUrl, 'evm_mine')
}
