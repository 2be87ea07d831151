/**
 * Seller instances as separate processes, and presenting one proof to all of them at once.
 * Shared by the multi-instance suites; the prepaid multi-instance case plugs its routes in through
 * `routesModule` and fires its credential through `presentConcurrently`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Hex } from 'viem'
import type { TestChain } from '../support/chain.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const script = fileURLToPath(new URL('./seller-process.ts', import.meta.url))
const READY_TIMEOUT_MS = 20_000
const STOP_GRACE_MS = 3_000

export interface SellerProcess {
  url: string
  pid: number
  /** True while the process has not exited. */
  alive(): boolean
  health(): Promise<{ pid: number; handled: number; redis: string | null }>
  stop(): Promise<void>
}

export interface SellerProcessOptions {
  store: 'redis' | 'memory'
  redisPort?: number
  /** Settles from this key; every process needs its own, or their account nonces collide. Default: a fresh funded key. */
  settlerKey?: Hex
  price?: string
  storeTimeoutMs?: number
  /** Absolute path of a module whose default export `(app, gate) => void` adds routes in the child. */
  routesModule?: string
  /** More environment for the child, e.g. PREPAID_SECRET. */
  env?: Record<string, string>
}

// A seller left running by a failed suite would outlive vitest: kill what is left on exit.
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** A settler key nobody else uses, with gas money on the test chain. */
export async function fundedSettlerKey(chain: TestChain): Promise<Hex> {
  const key = generatePrivateKey()
  const res = await fetch(chain.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_setBalance', params: [privateKeyToAccount(key).address, '0x56BC75E2D63100000'] }),
  })
  const answer = (await res.json()) as { error?: { message: string } }
  if (answer.error) throw new Error(`anvil_setBalance: ${answer.error.message}`)
  return key
}

/** Starts `test/multi-instance/seller-process.ts` in its own Node process and waits for its URL. */
export async function startSellerProcess(chain: TestChain, options: SellerProcessOptions): Promise<SellerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: chain.rpcUrl,
    SETTLER_KEY: options.settlerKey ?? (await fundedSettlerKey(chain)),
    PAY_TO: chain.accounts.seller.address,
    TOKEN_ADDRESS: chain.token,
    STORE: options.store,
    ...(options.redisPort !== undefined ? { REDIS_PORT: String(options.redisPort) } : {}),
    ...(options.price !== undefined ? { PRICE: options.price } : {}),
    ...(options.storeTimeoutMs !== undefined ? { STORE_TIMEOUT_MS: String(options.storeTimeoutMs) } : {}),
    ...(options.routesModule !== undefined ? { ROUTES_MODULE: options.routesModule } : {}),
    ...options.env,
  }
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error('could not spawn a seller process')
  live.add(child)
  let output = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000)
  })
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`seller process gave no URL within ${READY_TIMEOUT_MS} ms: ${output}`)), READY_TIMEOUT_MS)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      resolve((JSON.parse(line) as { url: string }).url)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`seller process exited before listening (code ${code}, signal ${signal}): ${output}`))
    })
  }).catch(async (error: unknown) => {
    await stopChild(child)
    throw error
  })
  const exited = () => child.exitCode !== null || child.signalCode !== null
  return {
    url,
    pid: child.pid,
    alive: () => !exited(),
    health: async () => (await (await fetch(`${url}/health`)).json()) as { pid: number; handled: number; redis: string | null },
    stop: () => stopChild(child),
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(resolve, ms)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    await wait(STOP_GRACE_MS)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await wait(STOP_GRACE_MS)
    }
  }
  live.delete(child)
}

export interface Presentation {
  status: number
  body: Record<string, unknown>
  /** The instance that answered. */
  url: string
  settlement: string | null
}

/**
 * Sends `count` requests carrying the same headers at once, alternating over `urls` (instance i
 * gets requests i, i + n, …), and returns every answer in order.
 */
export async function presentConcurrently(urls: readonly string[], path: string, headers: Record<string, string>, count: number): Promise<Presentation[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const url = urls[i % urls.length] as string
      const res = await fetch(`${url}${path}`, { headers })
      const text = await res.text()
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, url, settlement: res.headers.get('payment-response') }
    }),
  )
}

/** `{ 200: 1, 409: 99 }`: how many answers had each status. */
export function tally(answers: readonly Presentation[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1
  return counts
}
