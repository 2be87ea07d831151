/**
 * One seller instance as its own Node process (run with `node --import tsx`), so the multi-instance
 * tests share nothing between instances but Redis and the chain, as real deployments do.
 *
 * Env: RPC_URL, SETTLER_KEY, PAY_TO, TOKEN_ADDRESS, PRICE (default 0.01), STORE ('redis' | 'memory'),
 * REDIS_PORT, STORE_TIMEOUT_MS (default 500), ROUTES_MODULE (optional: a module whose default export
 * `(app, gate) => void` adds routes, e.g. prepaid ones).
 * Prints one JSON line `{ url, pid }` once it listens on 127.0.0.1; stops on SIGTERM.
 */
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'
import express from 'express'
import { Redis } from 'ioredis'
import type { Address, Hex } from 'viem'
import { tollgate, type ExpressTollgate } from '../../adapters/express.js'
import { localSettler, memoryStore, type Store } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { redisStore } from '../../src/redis.js'
import { listenOnLoopback } from '../support/http.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`seller-process: ${name} is required`)
  return value
}

const price = process.env.PRICE ?? '0.01'
let redis: Redis | undefined
let store: Store
if (process.env.STORE === 'memory') {
  store = memoryStore()
} else {
  redis = new Redis({
    host: '127.0.0.1',
    port: Number(required('REDIS_PORT')),
    // Fail fast while Redis is away (the gate answers 503 at once) and keep reconnecting in the background.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 50, 200),
  })
  // Connection errors are expected during an outage; without a listener ioredis reports them on the console.
  redis.on('error', () => undefined)
  await new Promise<void>((resolve) => redis?.once('ready', () => resolve()))
  store = redisStore({ client: redis })
}

const gate: ExpressTollgate = tollgate({
  payTo: required('PAY_TO') as Address,
  settler: localSettler({ privateKey: required('SETTLER_KEY') as Hex, rpcUrl: required('RPC_URL'), pollingIntervalMs: 50 }),
  store,
  storeTimeoutMs: Number(process.env.STORE_TIMEOUT_MS ?? 500),
  networks: [{ name: 'base-sepolia', asset: { address: required('TOKEN_ADDRESS') as Address, name: 'USDC', version: '2', decimals: 6 } }],
  // PREPAID_SECRET turns on a 20-call package sold at /prepaid and spent at /prepaid-data.
  ...(process.env.PREPAID_SECRET
    ? { prepaid: prepaid({ secret: process.env.PREPAID_SECRET, packages: [{ id: 'twenty', calls: 20, days: 1, price: { amount: price, network: 'base-sepolia' } }] }) }
    : {}),
})

/** Handler runs, counted per process: with a shared store only one instance may ever run a handler for a payment. */
let handled = 0
const app = express()
app.get('/paid', gate.paywall({ amount: price, network: 'base-sepolia' }), (req, res) => {
  handled++
  res.json({ content: 'the goods', paidBy: req.payment?.payer, pid: process.pid })
})
app.get('/paid-first', gate.paywall({ amount: price, network: 'base-sepolia', settle: 'before-handler' }), (req, res) => {
  handled++
  res.json({ content: 'the goods, charged first', paidBy: req.payment?.payer, pid: process.pid })
})
if (process.env.PREPAID_SECRET) {
  app.use(gate.prepaidRoutes())
  app.get('/prepaid-data', gate.paywall({ amount: price, network: 'base-sepolia', prepaid: true }), (req, res) => {
    handled++
    res.json({ content: 'the goods', remaining: req.payment?.prepaid?.remaining, pid: process.pid })
  })
}
app.get('/health', (_req, res) => {
  res.json({ pid: process.pid, handled, redis: redis?.status ?? null })
})
if (process.env.ROUTES_MODULE) {
  const extra = (await import(pathToFileURL(process.env.ROUTES_MODULE).href)) as { default: (app: express.Express, gate: ExpressTollgate) => void }
  extra.default(app, gate)
}

const server = await listenOnLoopback(createServer(app))
// Registered before the URL is printed: the parent may signal as soon as it reads it.
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => redis?.disconnect())
    .finally(() => process.exit(0))
})
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`)
