import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { exited, waitForExit } from '../child-exit.js'
import type { SolanaKeypair } from './keys.js'

// The official Solana x402 stack lives in its own install (@x402/svm wants @solana/kit 5, the
// stand-in's litesvm wants kit 8), so its scripts run as child processes.
const clientDir = fileURLToPath(new URL('../../../interop/svm-client/', import.meta.url))
export const SVM_CLIENT_INSTALL = 'npm ci --prefix interop/svm-client'

export function svmClientInstalled(): boolean {
  return existsSync(`${clientDir}node_modules/@x402/svm/package.json`) && existsSync(`${clientDir}node_modules/@solana/kit/package.json`)
}

/**
 * `true` when `suite` must skip because interop/svm-client is not installed (it prints why).
 * With REQUIRE_SVM_CLIENT=1, as in CI, a missing install is an error, never a silent skip.
 */
export function requireSvmClientOrSkip(suite: string): boolean {
  if (svmClientInstalled()) return false
  if (process.env.REQUIRE_SVM_CLIENT === '1') throw new Error(`REQUIRE_SVM_CLIENT=1 but interop/svm-client is not installed (${SVM_CLIENT_INSTALL})`)
  process.stdout.write(`SKIP ${suite}: the official @x402/svm client is not installed (${SVM_CLIENT_INSTALL})\n`)
  return true
}

export interface SvmBuyerResponse {
  status: number
  body: string
  headers: Record<string, string>
  /** The decoded PAYMENT-RESPONSE (v2) or X-PAYMENT-RESPONSE (v1), null when absent. */
  paymentResponse: Record<string, unknown> | null
  /** The header the client sent: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1). */
  paymentHeaders?: Record<string, string>
  payload?: { x402Version: number; payload: { transaction: string }; [key: string]: unknown }
  timings: { challengeMs: number; signMs?: number; paidMs?: number }
}

export interface SvmSigned {
  paymentHeaders: Record<string, string>
  payload: { x402Version: number; payload: { transaction: string }; [key: string]: unknown }
  timings: { challengeMs: number; signMs: number }
}

export interface SvmBuyerOptions {
  rpcUrl: string
  /** The mint to opt in through spend controls (the client pays only its known assets otherwise). */
  asset?: string
  /** Answer the 402's v1 body (X-PAYMENT) instead of the v2 PAYMENT-REQUIRED header. */
  v1?: boolean
  maxAtomic?: bigint
  timeoutMs?: number
}

function runScript<T>(args: string[], timeoutMs: number): Promise<T | { error: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        // The scripts exit 1 with an {error} line when the client throws: that is a result, not a failure.
        resolve(JSON.parse(line) as T | { error: string })
      } catch {
        reject(new Error(`${args[0]} printed no JSON (${error?.message ?? 'exit 0'}); stdout: ${stdout} stderr: ${stderr}`))
      }
    })
  })
}

function buyerArgs(url: string, buyer: SolanaKeypair, opts: SvmBuyerOptions, extra: string[] = []): string[] {
  const args = [`${clientDir}pay.mjs`, url, buyer.secretKeyBase58, '--rpc', opts.rpcUrl]
  if (opts.asset) args.push('--asset', opts.asset)
  if (opts.v1) args.push('--v1')
  if (opts.maxAtomic !== undefined) args.push('--max', opts.maxAtomic.toString())
  return [...args, ...extra]
}

/** GET `url`, paid by the official @x402/svm client in a child process. Throws when the client itself fails. */
export async function runSvmBuyer(url: string, buyer: SolanaKeypair, opts: SvmBuyerOptions): Promise<SvmBuyerResponse> {
  const result = await runScript<SvmBuyerResponse>(buyerArgs(url, buyer, opts), opts.timeoutMs ?? 30_000)
  if ('error' in result) throw new Error(`official SVM client failed: ${result.error}`)
  return result
}

/** The payment header the official client makes for `url`'s 402, without sending it (tests replay it). */
export async function signWithSvmClient(url: string, buyer: SolanaKeypair, opts: SvmBuyerOptions): Promise<SvmSigned> {
  const result = await runScript<SvmSigned>(buyerArgs(url, buyer, opts, ['--sign-only']), opts.timeoutMs ?? 30_000)
  if ('error' in result) throw new Error(`official SVM client failed: ${result.error}`)
  return result
}

/** Like runSvmBuyer, but an {error} from the client is returned (for cases where the client must refuse). */
export function trySvmBuyer(url: string, buyer: SolanaKeypair, opts: SvmBuyerOptions): Promise<SvmBuyerResponse | { error: string }> {
  return runScript<SvmBuyerResponse>(buyerArgs(url, buyer, opts), opts.timeoutMs ?? 30_000)
}

export interface ChildServer {
  url: string
  pid: number
  info: Record<string, unknown>
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

async function startChild(script: string, args: string[]): Promise<ChildServer> {
  const child = spawn(process.execPath, [`${clientDir}${script}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`)
  live.add(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${stderr}`)), 30_000)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line) as Record<string, unknown>)
      } catch {
        reject(new Error(`${script} printed ${line}; stderr: ${stderr}`))
      }
    })
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}): ${stderr}`)))
  })
  return {
    url: String(info.url),
    pid: child.pid,
    info,
    stop: async () => {
      if (exited(child)) return
      child.kill('SIGTERM')
      if (!(await waitForExit(child, 3_000))) child.kill('SIGKILL')
      live.delete(child)
    },
  }
}

export interface OfficialSvmFacilitator extends ChildServer {
  feePayer: string
  /** Requests received per path. */
  calls(): Promise<Record<string, number>>
}

/** The official SVM facilitator (x402Facilitator + ExactSvmScheme, v2 and v1) over HTTP, its fee payer `key`. */
export async function startOfficialSvmFacilitator(rpcUrl: string, key: SolanaKeypair): Promise<OfficialSvmFacilitator> {
  const child = await startChild('facilitator.mjs', ['--rpc', rpcUrl, '--key', key.secretKeyBase58])
  return {
    ...child,
    feePayer: String(child.info.feePayer),
    calls: async () => (await (await fetch(`${child.url}/calls`)).json()) as Record<string, number>,
  }
}

/** The official seller (@x402/express + x402ResourceServer + HTTPFacilitatorClient) with one route, GET /data. */
export function startOfficialSvmSeller(opts: { facilitatorUrl: string; rpcUrl: string; payTo: string; asset: string; amount: bigint; token?: string }): Promise<ChildServer> {
  const args = ['--facilitator', opts.facilitatorUrl, '--rpc', opts.rpcUrl, '--pay-to', opts.payTo, '--asset', opts.asset, '--amount', opts.amount.toString()]
  if (opts.token) args.push('--token', opts.token)
  return startChild('seller.mjs', args)
}

export interface SvmBuyerService {
  /** Like runSvmBuyer, without a new process (and module loading) per payment. */
  pay(url: string, buyer: SolanaKeypair, opts: SvmBuyerOptions): Promise<SvmBuyerResponse>
  stop(): Promise<void>
}

/** The official client as one long-lived child process (buyer-server.mjs) for suites that pay many times. */
export async function startSvmBuyerService(): Promise<SvmBuyerService> {
  const child = await startChild('buyer-server.mjs', [])
  return {
    pay: async (url, buyer, opts) => {
      const ask = { url, secret: buyer.secretKeyBase58, rpc: opts.rpcUrl, asset: opts.asset, v1: opts.v1 === true, max: opts.maxAtomic?.toString() }
      const res = await fetch(child.url, { method: 'POST', body: JSON.stringify(ask), signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) })
      const result = (await res.json()) as SvmBuyerResponse | { error: string }
      if ('error' in result) throw new Error(`official SVM client failed: ${result.error}`)
      return result
    },
    stop: child.stop,
  }
}
