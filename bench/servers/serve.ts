/**
 * One benchmark server per process: `serve.ts <scenario>`. Prints `{"url": …}` once listening.
 * Every variant answers the same JSON on `/data`, so only the payment layer differs.
 */
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import Router from '@koa/router'
import { Redis } from 'ioredis'
import type { EvmSettler, Store, TollgateConfig, TollgateHooks } from '../../src/index.js'
import { tollgateEntry } from '../lib/built.js'
import { officialExpressApp } from './official.js'

// The package as sellers run it (the tsup build in BENCH_BUILT, as `npm run bench` sets) or, for
// development, the sources through tsx. The official stack is plain JavaScript either way.
const { tollgate: expressTollgate } = await tollgateEntry('express', () => import('../../adapters/express.js'))
const { tollgate: fastifyTollgate } = await tollgateEntry('fastify', () => import('../../adapters/fastify.js'))
const { tollgate: koaTollgate } = await tollgateEntry('koa', () => import('../../adapters/koa.js'))
const { asyncSettlement, batchedSettler, combineHooks, createTollgate, localSettler, memorySettlementQueue, memoryStore, settlerPool } = await tollgateEntry('index', () => import('../../src/index.js'))
const { tollgateMetrics } = await tollgateEntry('metrics', () => import('../../src/metrics/index.js'))
const { postgresReceipts } = await tollgateEntry('receipts', () => import('../../src/receipts/index.js'))
const { prepaid } = await tollgateEntry('prepaid', () => import('../../src/prepaid/index.js'))
const { redisStore } = await tollgateEntry('redis', () => import('../../src/redis.js'))

const body = { data: 'the goods' }
const route = { amount: '0.10', network: 'base-sepolia' } as const

function config(): TollgateConfig {
  const env = process.env
  const store: Store = env.STORE === 'redis' ? redisStore({ client: new Redis(Number(env.REDIS_PORT), '127.0.0.1', { enableOfflineQueue: false }) }) : memoryStore()
  return {
    payTo: (env.PAY_TO ?? '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC') as `0x${string}`,
    settler: settlerOf(env),
    store,
    // SETTLE=async: served once verified, settled from an in-process queue (the memory queue: one process).
    ...(env.SETTLE === 'async' ? { asyncSettlement: asyncSettlement({ queue: memorySettlementQueue(), maxUnsettledPerPayer: '1000000000000' }) } : {}),
    singleInstance: env.STORE !== 'redis',
    ...(env.TOKEN ? { networks: [{ name: 'base-sepolia', asset: { address: env.TOKEN as `0x${string}`, name: 'USDC', version: '2', decimals: 6 } }] } : {}),
    ...(env.PREPAID_SECRET
      ? { prepaid: prepaid({ secret: env.PREPAID_SECRET, packages: [{ id: 'bench', calls: 100_000_000, days: 1, price: route }] }) }
      : {}),
  }
}

/**
 * The exact 402 tollgate answers, computed once and served as static bytes: the bare framework's
 * cost for a response of that size, which the protocol (a v2 header plus a v1 body) dictates.
 */
async function static402(): Promise<{ headers: Record<string, string>; text: string }> {
  const gate = createTollgate(config()).route(route)
  const request = { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: () => null } }
  const decision = await gate.evaluate(request)
  if (decision.type !== 'challenge') throw new Error('expected a challenge')
  return { headers: decision.headers, text: JSON.stringify(decision.body) }
}

/**
 * What a production seller adds on the payment path: Prometheus metrics and a receipts ledger in
 * Postgres (DATABASE_URL, started by the bench when Postgres is installed; metrics alone otherwise).
 */
async function observedHooks(): Promise<TollgateHooks> {
  const metrics = tollgateMetrics()
  const url = process.env.DATABASE_URL
  if (!url) return metrics.hooks
  const receipts = postgresReceipts({ connectionString: url, table: `receipts_${process.pid}` })
  await receipts.migrate()
  return combineHooks(metrics.hooks, receipts.hooks)
}

/**
 * The settling account(s): SETTLER_KEY alone, or SETTLER_KEYS (comma-separated) as a settlerPool;
 * BATCH_MS batches each account's payments (batchedSettler, that window in ms).
 */
function settlerOf(env: NodeJS.ProcessEnv): EvmSettler {
  const keys = (env.SETTLER_KEYS ?? env.SETTLER_KEY ?? `0x${'11'.repeat(32)}`).split(',') as `0x${string}`[]
  const one = (privateKey: `0x${string}`): EvmSettler => {
    const local = localSettler({ privateKey, rpcUrl: env.RPC_URL ?? 'http://127.0.0.1:9', pollingIntervalMs: 25 })
    return env.BATCH_MS ? batchedSettler(local, { windowMs: Number(env.BATCH_MS) }) : local
  }
  return keys.length > 1 ? settlerPool(keys.map(one)) : one(keys[0]!)
}

async function expressApp(paid: boolean, hooks?: TollgateHooks): Promise<RequestListener> {
  const app = express()
  // Dev-only timings (bench/paid-spans.ts): loaded only when asked, so no timed run carries them.
  if (paid && process.env.SPANS_DIR) hooks = combineHooks(...(hooks ? [hooks] : []), (await import('../lib/spans.js')).installSpans(process.env.SPANS_DIR))
  if (paid) {
    const gate = expressTollgate({ ...config(), ...(hooks ? { hooks } : {}) })
    const settle = process.env.SETTLE as 'async' | 'before-handler' | undefined
    app.get('/data', gate.paywall({ ...route, prepaid: process.env.PREPAID_SECRET !== undefined, ...(settle ? { settle } : {}) }), (_req, res) => res.json(body))
  } else app.get('/data', (_req, res) => res.json(body))
  return app
}

/**
 * Solana exact on the stand-in (bench/solana-paid.ts): tollgate's own solanaSettler, its fee payer
 * FEE_PAYER_KEY (base58), the route priced in MINT (6 decimals), paying PAY_TO's token account.
 */
async function expressSolanaApp(): Promise<RequestListener> {
  const env = process.env
  const { solanaSettler } = await tollgateEntry('solana', () => import('../../src/chains/solana/index.js'))
  const app = express()
  const gate = expressTollgate({ payTo: env.PAY_TO!, settler: solanaSettler({ secretKey: env.FEE_PAYER_KEY!, rpcUrl: env.SOL_RPC_URL! }), store: memoryStore(), singleInstance: true })
  const option = { amount: '0.10', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', asset: { address: env.MINT!, decimals: 6 } }
  app.get('/data', gate.paywall({ accepts: [option] }), (_req, res) => res.json(body))
  return app
}

/** A price per API key: the challenge path then prices each request (the cached 402 is per URL and price). */
async function expressDynamicApp(): Promise<RequestListener> {
  const app = express()
  const gate = expressTollgate(config())
  const prices: Record<string, string> = { gold: '0.02', silver: '0.05' }
  app.get('/data', gate.paywall({ ...route, amount: ({ header }) => prices[header('x-api-key') ?? ''] ?? '0.10' }), (_req, res) => res.json(body))
  return app
}

async function fastifyApp(paid: boolean): Promise<RequestListener> {
  const app = Fastify()
  if (paid) {
    const gate = fastifyTollgate(config())
    await app.register(gate.plugin)
    app.get('/data', { preHandler: gate.paywall(route) }, async () => body)
  } else app.get('/data', async () => body)
  await app.ready()
  return (req, res) => app.routing(req, res)
}

function koaApp(paid: boolean): RequestListener {
  const app = new Koa()
  const router = new Router()
  if (paid) router.get('/data', koaTollgate(config()).paywall(route), (ctx) => void (ctx.body = body))
  else router.get('/data', (ctx) => void (ctx.body = body))
  app.use(router.routes())
  return app.callback()
}

async function staticApp(framework: string): Promise<RequestListener> {
  const { headers, text } = await static402()
  if (framework === 'express') {
    const app = express()
    app.get('/data', (_req, res) => void res.status(402).set(headers).send(text))
    return app
  }
  if (framework === 'fastify') {
    const app = Fastify()
    app.get('/data', async (_req, reply) => reply.code(402).headers(headers).send(text))
    await app.ready()
    return (req, res) => app.routing(req, res)
  }
  // Routed as the Koa servers with and without tollgate are (@koa/router): the baseline differs only in the payload.
  const app = new Koa()
  const router = new Router()
  router.get('/data', (ctx) => {
    ctx.status = 402
    ctx.set(headers)
    ctx.body = text
  })
  app.use(router.routes())
  return app.callback()
}

const scenarios: Record<string, () => Promise<RequestListener> | RequestListener> = {
  'express-static402': () => staticApp('express'),
  'fastify-static402': () => staticApp('fastify'),
  'koa-static402': () => staticApp('koa'),
  'express-bare': () => expressApp(false),
  'express-tollgate': () => expressApp(true),
  'express-official': () => officialExpressApp(body),
  'express-tollgate-dynamic': () => expressDynamicApp(),
  'express-tollgate-solana': () => expressSolanaApp(),
  'express-tollgate-observed': async () => expressApp(true, await observedHooks()),
  'fastify-bare': () => fastifyApp(false),
  'fastify-tollgate': () => fastifyApp(true),
  'koa-bare': () => koaApp(false),
  'koa-tollgate': () => koaApp(true),
}

const scenario = process.argv[2] ?? ''
const make = scenarios[scenario]
if (!make) throw new Error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(', ')}`)
const server = createServer(await make())
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
