/**
 * The gateway's shared parts from its configuration: a Redis store (real redis-server), per-payer
 * rate limits counted in it, and prepaid packages bought with the official client and spent
 * through the gateway without the credential ever reaching the upstream.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { chainConfig, chainEnv, writeConfig } from './support/config.js'
import { startGateway, startUpstream, type Gateway, type Upstream } from './support/processes.js'

const skip = requireRedisOrSkip('gateway with a Redis store')

let chain: TestChain
let redis: TestRedis
let upstream: Upstream
let gateway: Gateway

describe.skipIf(skip)('tollgate gateway with a Redis store, rate limits and prepaid packages', () => {
  beforeAll(async () => {
    chain = await startTestChain()
    redis = await startRedis()
    upstream = await startUpstream()
    const body = `store: { redisUrlEnv: GATEWAY_REDIS_URL, prefix: "gw:" }
routes:
  - { method: GET, path: /data, price: "0.01", network: base-sepolia, prepaid: true }
prepaid:
  packages: [{ id: starter, calls: 2, days: 1, price: "0.05", network: base-sepolia }]
limits:
  perPayer: { requests: 1, windowMs: 60000 }
`
    gateway = await startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, body))], {
      ...chainEnv(chain),
      GATEWAY_REDIS_URL: redis.url,
      TOLLGATE_PREPAID_SECRET: 'a prepaid signing secret of at least 32 bytes',
    })
  })

  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
    await redis?.stop()
    await chain?.stop()
  })

  const pay = (index: number) => makeV2Fetch(chain.accounts.buyers[index]!, { network: 'eip155:84532', asset: chain.token })

  it('keeps its claims in Redis and names the store by host only', async () => {
    expect(gateway.stdout()).toContain(`store: redis (127.0.0.1:${redis.port})`)
    const response = await pay(0)(`${gateway.url}/data`)
    expect(response.status).toBe(200)
    const client = new Redis(redis.url)
    try {
      expect((await client.keys('gw:*')).length).toBeGreaterThan(0)
    } finally {
      client.disconnect()
    }
  })

  it('refuses a payer over its limit with 429 rate_limited and charges nothing', async () => {
    const buyer = chain.accounts.buyers[1]!
    expect((await pay(1)(`${gateway.url}/data`)).status).toBe(200)
    const before = await chain.balanceOf(buyer.address)
    const limited = await pay(1)(`${gateway.url}/data`)
    expect(limited.status).toBe(429)
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' })
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await chain.balanceOf(buyer.address)).toBe(before)
  })

  it('sells a prepaid package and spends it call by call; the credential stays at the gateway', async () => {
    const buyer = chain.accounts.buyers[2]!
    const before = await chain.balanceOf(buyer.address)
    const purchase = await pay(2)(`${gateway.url}/prepaid/purchase?package=starter`, { method: 'POST', headers: { 'idempotency-key': 'gateway-prepaid-purchase-0001' } })
    expect(purchase.status).toBe(201)
    const { credential } = (await purchase.json()) as { credential: string }
    expect(await chain.balanceOf(buyer.address)).toBe(before - 50_000n)

    for (const remaining of ['1', '0']) {
      const call = await fetch(`${gateway.url}/data`, { headers: { 'x-prepaid-credential': credential } })
      expect(call.status).toBe(200)
      expect(call.headers.get('x-prepaid-remaining')).toBe(remaining)
    }
    const spent = await fetch(`${gateway.url}/data`, { headers: { 'x-prepaid-credential': credential } })
    expect(spent.status).toBe(402)
    expect(await spent.json()).toMatchObject({ error: 'prepaid_exhausted' })
    const forwarded = (await upstream.log()).filter((entry) => entry.event === 'request')
    expect(forwarded.some((entry) => entry.headers?.['x-prepaid-credential'] !== undefined)).toBe(false)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 50_000n)
  })
})
