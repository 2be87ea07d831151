/**
 * One Permit2 seller as its own Node process (`node --import tsx`), sharing only Redis and the
 * chain with the test. Env: RPC_URL, SETTLER_KEY, PAY_TO, TOKEN_ADDRESS, REDIS_PORT.
 * Prints one JSON line `{ url }` once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http'
import express from 'express'
import { Redis } from 'ioredis'
import type { Address, Hex } from 'viem'
import { tollgate } from '../../adapters/express.js'
import { localSettler } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { listenOnLoopback } from '../support/http.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`permit2-seller-process: ${name} is required`)
  return value
}
const redis = new Redis({ host: '127.0.0.1', port: Number(env('REDIS_PORT')) })
redis.on('error', () => undefined)
await new Promise<void>((resolve) => redis.once('ready', () => resolve()))

const usdt = { address: env('TOKEN_ADDRESS') as Address, name: 'Tether USD', version: '1', decimals: 6, transfer: 'eip2612' as const }
const gate = tollgate({
  payTo: env('PAY_TO') as Address,
  settler: localSettler({ privateKey: env('SETTLER_KEY') as Hex, rpcUrl: env('RPC_URL'), pollingIntervalMs: 50 }),
  store: redisStore({ client: redis }),
  networks: [{ name: 'base-sepolia', asset: usdt }],
})
const app = express()
app.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
const server = await listenOnLoopback(createServer(app))
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`)
process.on('SIGTERM', () => {
  void server.close().finally(() => {
    redis.disconnect()
    process.exit(0)
  })
})
