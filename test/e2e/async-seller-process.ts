/**
 * One async-settling seller as its own Node process (`node --import tsx`), sharing only Redis and
 * the chain with the test: a kill (SIGKILL) loses its memory, never the queued settlements.
 *
 * Env: RPC_URL, SETTLER_KEY, PAY_TO, TOKEN_ADDRESS, REDIS_PORT, WORKER ('0' queues only),
 * CONCURRENCY, CLAIM_IDLE_MS, LEASE_MS, REQUEST_TIMEOUT_MS.
 * Prints one JSON line `{ url, pid }` once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http'
import express from 'express'
import { Redis } from 'ioredis'
import type { Address, Hex } from 'viem'
import { tollgate } from '../../adapters/express.js'
import { asyncSettlement, localSettler } from '../../src/index.js'
import { redisSettlementQueue, redisStore } from '../../src/redis.js'
import { listenOnLoopback } from '../support/http.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`async-seller-process: ${name} is required`)
  return value
}
const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback)

const redis = new Redis({ host: '127.0.0.1', port: Number(required('REDIS_PORT')) })
redis.on('error', () => undefined)
await new Promise<void>((resolve) => redis.once('ready', () => resolve()))

const gate = tollgate({
  payTo: required('PAY_TO') as Address,
  settler: localSettler({
    privateKey: required('SETTLER_KEY') as Hex,
    rpcUrl: required('RPC_URL'),
    pollingIntervalMs: 50,
    requestTimeoutMs: number('REQUEST_TIMEOUT_MS', 10_000),
  }),
  store: redisStore({ client: redis }),
  // LOG=1: the seller's log on stderr (the test shows it when it fails).
  ...(process.env.LOG === '1' ? { logger: console } : {}),
  networks: [{ name: 'base-sepolia', asset: { address: required('TOKEN_ADDRESS') as Address, name: 'USDC', version: '2', decimals: 6 } }],
  asyncSettlement: asyncSettlement({
    queue: redisSettlementQueue({ client: redis, claimIdleMs: number('CLAIM_IDLE_MS', 1_000) }),
    worker: process.env.WORKER !== '0',
    concurrency: number('CONCURRENCY', 4),
    leaseMs: number('LEASE_MS', 2_000),
    pollIntervalMs: 50,
  }),
})

let handled = 0
const app = express()
app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia', settle: 'async', name: 'content' }), (req, res) => {
  handled++
  res.json({ content: 'PAID CONTENT', paidBy: req.payment?.payer, pid: process.pid })
})
app.get('/health', (_req, res) => {
  res.json({ pid: process.pid, handled })
})
const server = await listenOnLoopback(createServer(app))
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`)
