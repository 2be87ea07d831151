import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { solanaSettler, type SolanaSettler, type SolanaSettlerOptions } from '../../../src/chains/solana/index.js'
import { memoryStore, type TollgateConfig } from '../../../src/index.js'
import { expressHarness } from '../../conformance/harness-express.js'
import { fastifyHarness } from '../../conformance/harness-fastify.js'
import { honoMiddlewareHarness } from '../../conformance/harness-fetch.js'
import { koaHarness } from '../../conformance/harness-koa.js'
import { nextHarness } from '../../conformance/harness-next.js'
import type { AdapterHarness, RouteSpec } from '../../conformance/harness.js'
import { bridge } from '../../facilitator/support/serve-web.js'
import { waitForExit } from '../child-exit.js'
import { listenOnLoopback } from '../http.js'
import type { SolanaStandIn } from './stand-in.js'

/** Every adapter, each acting the same routes out in its framework's idiom (see test/conformance). */
export const SOLANA_ADAPTERS: AdapterHarness[] = [expressHarness, koaHarness, fastifyHarness, nextHarness, honoMiddlewareHarness]

/** The seller's own settler on the stand-in: its fee payer, short timeouts for tests. */
export function standInSettler(sol: SolanaStandIn, options: Partial<SolanaSettlerOptions> = {}): SolanaSettler {
  return solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 5_000, rpcTimeoutMs: 2_000, ...options })
}

/** A Solana accept option for the stand-in's mint, posing as devnet (the official client knows no other id). */
export function solanaOption(sol: SolanaStandIn, amount = '0.01', generation: 'v2' | 'v1' = 'v2') {
  return { amount, network: generation === 'v2' ? sol.network : sol.v1Network, asset: { address: sol.mint, decimals: sol.decimals } }
}

export function solanaSellerConfig(sol: SolanaStandIn, payTo: string, overrides: Partial<TollgateConfig> = {}): TollgateConfig {
  return { payTo, settler: standInSettler(sol), store: memoryStore(), ...overrides }
}

export interface HttpSeller {
  url: string
  urlOf(path: string): string
  close(): Promise<void>
}

/**
 * The harness's seller reachable over real HTTP, so a buyer in another process can pay it: the
 * in-process ones (Next route modules, Hono's fetch) are bridged from node:http to a Web Request.
 */
export async function startOverHttp(harness: AdapterHarness, config: TollgateConfig, routes: RouteSpec[]): Promise<HttpSeller> {
  const seller = await harness.start(config, routes)
  const probe = seller.urlOf('/')
  if (!probe.startsWith('http://127.0.0.1/')) return { url: probe.slice(0, -1), urlOf: seller.urlOf, close: seller.close }
  const server = await listenOnLoopback(createServer((req, res) => void bridge((request) => seller.fetch(request), req, res)))
  return {
    url: server.url,
    urlOf: (path) => `${server.url}${path}`,
    close: async () => {
      await server.close()
      await seller.close()
    },
  }
}

export interface SellerProcess {
  url: string
  pid: number
  handled(): Promise<number>
  stop(): Promise<void>
}

/** A Solana seller in its own process (seller-process.ts) on a shared Redis and a shared stand-in. */
export async function startSolanaSellerProcess(sol: SolanaStandIn, opts: { payTo: string; redisPort: number; price?: string }): Promise<SellerProcess> {
  const script = fileURLToPath(new URL('./seller-process.ts', import.meta.url))
  const env = { ...process.env, SOL_RPC_URL: sol.url, FEE_PAYER_KEY: sol.feePayer.secretKeyBase58, PAY_TO: opts.payTo, MINT: sol.mint, REDIS_PORT: String(opts.redisPort), PRICE: opts.price ?? '0.01' }
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const started = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`solana seller process did not start: ${stderr}`)), 60_000)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      resolve(JSON.parse(line) as { url: string; pid: number })
    })
    child.once('exit', (code) => reject(new Error(`solana seller process exited (${code}): ${stderr}`)))
  })
  return {
    ...started,
    handled: async () => ((await (await fetch(`${started.url}/health`)).json()) as { handled: number }).handled,
    stop: async () => {
      child.kill('SIGTERM')
      if (!(await waitForExit(child, 3_000))) child.kill('SIGKILL')
    },
  }
}
