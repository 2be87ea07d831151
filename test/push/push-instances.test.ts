/**
 * Two seller instances sharing one real Redis: a pushed hash is claimed once across both, before
 * either reads the chain, and it keeps its claim in Redis after serving (no settled shortening).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evmPush } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { boundHeader, fundGas, mine, pushTransfer } from './evm-push-buyer.js'

const skip = requireRedisOrSkip('push payments across instances')

describe.skipIf(skip)('push payments across two instances sharing Redis (anvil)', () => {
  let redis: TestRedis
  let clients: Redis[] = []
  let chain: TestChain
  let sellers: Seller[] = []

  beforeAll(async () => {
    ;[redis, chain] = await Promise.all([startRedis(), startTestChain()])
    clients = [new Redis({ host: '127.0.0.1', port: redis.port }), new Redis({ host: '127.0.0.1', port: redis.port })]
    sellers = await Promise.all(
      clients.map((client) =>
        startSeller(
          chain,
          (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia', push: true, resource: 'https://api.example.com/data' }), (_req, res) => res.json({ ok: true })),
          { store: redisStore({ client }), push: evmPush({ rpcUrl: chain.rpcUrl }) },
        ),
      ),
    )
  })

  afterAll(async () => {
    await Promise.all(sellers.map((s) => s.close()))
    for (const client of clients) client.disconnect()
    await Promise.all([redis?.stop(), chain?.stop()])
  })

  it('gives exactly one 200 to 50 presentations spread over both instances, and keeps the claim in Redis', async () => {
    const buyer = await freshBuyer(chain, 10_000_000n)
    await fundGas(chain, buyer.address)
    const hash = await pushTransfer(chain, buyer, chain.accounts.seller.address, 100_000n)
    await mine(chain)
    // Both instances name the same resource, so one binding signature is good at either.
    const header = await boundHeader(chain, hash, buyer, { url: 'https://api.example.com/data' })
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${sellers[i % 2]!.url}/data`, { headers: { authorization: header } })))
    const statuses = answers.map((r) => r.status)
    await Promise.all(answers.map((r) => r.arrayBuffer()))
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
    const keys = await clients[0]!.keys(`*x402:push:eip155:${chain.chainId}:${hash.toLowerCase()}`)
    expect(keys).toHaveLength(1)
    // Its life is maxAge (900 s) plus 10 minutes, not the 15 minutes of a settled x402 claim.
    expect(await clients[0]!.pttl(keys[0]!)).toBeGreaterThan(15 * 60_000)
  })
})
