/**
 * One Solana seller as its own Node process (`node --import tsx`), so replay across instances is
 * tested with nothing shared but Redis and the chain, as in a real deployment.
 *
 * Env: SOL_RPC_URL, FEE_PAYER_KEY (base58 64 bytes), PAY_TO, MINT, PRICE (default 0.01), REDIS_PORT.
 * Prints one JSON line `{ url, pid }` once it listens on 127.0.0.1; GET /health → { handled };
 * stops on SIGTERM.
 */
import { createServer } from 'node:http'
import express from 'express'
import { Redis } from 'ioredis'
import { tollgate } from '../../../adapters/express.js'
import { solanaSettler } from '../../../src/chains/solana/index.js'
import { redisStore } from '../../../src/redis.js'
import { listenOnLoopback } from '../http.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`solana seller-process: ${name} is required`)
  return value
}

const redis = new Redis({ host: '127.0.0.1', port: Number(required('REDIS_PORT')), enableOfflineQueue: false, maxRetriesPerRequest: 0 })
redis.on('error', () => undefined)
await new Promise<void>((resolve) => redis.once('ready', () => resolve()))

const gate = tollgate({
  payTo: required('PAY_TO'),
  settler: solanaSettler({ secretKey: required('FEE_PAYER_KEY'), rpcUrl: required('SOL_RPC_URL'), confirmTimeoutMs: 5_000 }),
  store: redisStore({ client: redis }),
})
let handled = 0
const app = express()
const option = { amount: process.env.PRICE ?? '0.01', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', asset: { address: required('MINT'), decimals: 6 } }
app.get('/paid', gate.paywall({ accepts: [option] }), (req, res) => {
  handled++
  res.json({ content: 'PAID CONTENT', paidBy: req.payment?.payer, pid: process.pid })
})
app.get('/health', (_req, res) => res.json({ pid: process.pid, handled }))
const server = await listenOnLoopback(createServer(app))
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`)
process.on('SIGTERM', () => {
  void server.close().finally(() => {
    redis.disconnect()
    process.exit(0)
  })
})
