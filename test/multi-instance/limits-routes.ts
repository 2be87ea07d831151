/**
 * Routes module for seller-process.ts (ROUTES_MODULE): `/limited`, paid, with a per-payer rate
 * limit of LIMIT_REQUESTS presented payments. Its counters live in Redis when the process uses
 * Redis (STORE=redis, REDIS_PORT), else in this process's memory. LIMIT_NOW_MS pins the limiter's
 * clock, so a burst never straddles a window boundary; LIMIT_PREFIX keeps suites' counters apart.
 */
import type express from 'express'
import { Redis } from 'ioredis'
import type { ExpressTollgate } from '../../adapters/express.js'
import { memoryStore, type Store } from '../../src/index.js'
import { rateLimits } from '../../src/limits/index.js'
import { redisStore } from '../../src/redis.js'

let store: Store
if (process.env.STORE === 'redis') {
  const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT), enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  redis.on('error', () => undefined)
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()))
  store = redisStore({ client: redis })
} else {
  store = memoryStore()
}

const fixedNow = Number(process.env.LIMIT_NOW_MS)
const limits = rateLimits({
  store,
  perPayer: { requests: Number(process.env.LIMIT_REQUESTS ?? 5), windowMs: 60_000 },
  ...(process.env.LIMIT_PREFIX ? { prefix: process.env.LIMIT_PREFIX } : {}),
  ...(Number.isFinite(fixedNow) ? { now: () => fixedNow } : {}),
})

export default function routes(app: express.Express, gate: ExpressTollgate): void {
  app.get('/limited', gate.paywall({ amount: process.env.PRICE ?? '0.01', network: 'base-sepolia', hooks: limits.hooks }), (_req, res) => {
    res.json({ content: 'the goods', pid: process.pid })
  })
}
