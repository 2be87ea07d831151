/**
 * Routes scope prepaid credentials: what a call costs there (`prepaid: { cost }`, in calls) and which
 * packages they take (`prepaid: { packages }`). Credentials are bought on anvil with the official v2
 * client from an Express seller, once over the memory store and once over a real Redis.
 */
import { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExpressTollgate } from '../../adapters/express.js'
import { memoryStore, type Store } from '../../src/index.js'
import { prepaidFetch, type PrepaidPurchase } from '../../src/buyer/prepaid-fetch.js'
import { prepaid } from '../../src/prepaid/index.js'
import { redisStore } from '../../src/redis.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { redisAvailable, requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller, type Seller } from './seller.js'

const SECRET = 'prepaid-scope-test-secret-of-32-bytes-or-more'
const HEADER = 'x-prepaid-credential'
const REMAINING = 'x-prepaid-remaining'
const skipRedis = requireRedisOrSkip('prepaid scope over redis')

let chain: TestChain
let redis: TestRedis | undefined
let redisClient: Redis | undefined
let buyerIndex = 0

beforeAll(async () => {
  chain = await startTestChain()
  if (redisAvailable()) {
    redis = await startRedis()
    redisClient = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true })
    await redisClient.connect()
  }
})

afterAll(async () => {
  redisClient?.disconnect()
  await redis?.stop()
  await chain?.stop()
})

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await sleep(25)
  }
}

const stores: Array<[string, () => Store, boolean]> = [
  ['memory store', () => memoryStore(), false],
  ['Redis store', () => redisStore({ client: redisClient!, prefix: `scope-${crypto.randomUUID()}:` }), skipRedis],
]

describe.each(stores)('prepaid routes with a cost and accepted packages, over the %s', (_name, makeStore, skip) => {
  let seller: Seller
  let gate: ExpressTollgate

  beforeAll(async () => {
    if (skip) return
    seller = await startSeller(
      chain,
      (app, g) => {
        gate = g
        app.use('/prepaid', g.prepaidRoutes())
        const answer = (content: string) => (req: { payment?: { prepaid?: unknown } }, res: { json(body: unknown): void }) => res.json({ content, prepaid: req.payment?.prepaid ?? null })
        app.get('/cheap', g.paywall({ amount: '0.01', network: 'base-sepolia', prepaid: true }), answer('CHEAP'))
        app.get('/premium', g.paywall({ amount: '0.05', network: 'base-sepolia', prepaid: { cost: 5 } }), answer('PREMIUM'))
        app.get('/pro-only', g.paywall({ amount: '50', network: 'base-sepolia', prepaid: { packages: ['pro'] } }), answer('PRO'))
        app.get('/premium-fails', g.paywall({ amount: '0.05', network: 'base-sepolia', prepaid: { cost: 5 } }), (_req, res) => {
          res.status(503).json({ error: 'upstream down' })
        })
      },
      {
        store: makeStore(),
        prepaid: prepaid({
          secret: SECRET,
          packages: [
            { id: 'dollar', calls: 100, days: 30, price: { amount: '1', network: 'base-sepolia' } },
            { id: 'eight', calls: 8, days: 1, price: { amount: '0.08', network: 'base-sepolia' } },
            { id: 'pro', calls: 1000, days: 30, price: { amount: '0.50', network: 'base-sepolia' } },
          ],
        }),
      },
    )
  }, 60_000)

  afterAll(async () => {
    await seller?.close()
  })

  async function buy(pkg: string): Promise<{ credential: string; credentialId: string }> {
    const buyer = chain.accounts.buyers[buyerIndex++ % chain.accounts.buyers.length]!
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const res = await pay(`${seller.url}/prepaid/purchase?package=${pkg}`, { method: 'POST', headers: { 'idempotency-key': `key-${crypto.randomUUID()}` } })
    expect(res.status).toBe(201)
    return (await res.json()) as { credential: string; credentialId: string }
  }
  const call = (path: string, credential: string) => fetch(`${seller.url}${path}`, { headers: { [HEADER]: credential } })

  it.skipIf(skip)('a $1/100-call credential spends 5 calls on a cost-5 route and 1 on a plain route', async () => {
    const { credential, credentialId } = await buy('dollar')
    const premium = await call('/premium', credential)
    expect(premium.status).toBe(200)
    expect(premium.headers.get(REMAINING)).toBe('95')
    expect(await premium.json()).toMatchObject({ content: 'PREMIUM', prepaid: { credentialId, package: 'dollar', remaining: 95 } })
    expect((await call('/premium', credential)).headers.get(REMAINING)).toBe('90')
    expect((await call('/cheap', credential)).headers.get(REMAINING)).toBe('89')
    expect(await gate.prepaid!.status(credentialId)).toMatchObject({ calls: 100, used: 11, remaining: 89 })
  })

  it.skipIf(skip)('is refused on a route that does not take its package, spending nothing; the accepted package passes', async () => {
    const { credential, credentialId } = await buy('dollar')
    const res = await call('/pro-only', credential)
    expect(res.status).toBe(402)
    const text = await res.text()
    expect(text).not.toContain('"content"')
    expect(JSON.parse(text)).toMatchObject({ error: 'prepaid_package_not_accepted', prepaid: { acceptedPackages: ['pro'] } })
    expect(decodeHeader<{ error: string }>(res.headers.get('payment-required')!).error).toBe('prepaid_package_not_accepted')
    expect(await gate.prepaid!.status(credentialId)).toMatchObject({ used: 0, remaining: 100 })

    const pro = await buy('pro')
    const ok = await call('/pro-only', pro.credential)
    expect(ok.status).toBe(200)
    expect(ok.headers.get(REMAINING)).toBe('999')
  })

  it.skipIf(skip)('with 3 calls left a cost-5 call is refused and leaves 3; a cost-1 call still passes', async () => {
    const { credential, credentialId } = await buy('eight')
    expect((await call('/premium', credential)).headers.get(REMAINING)).toBe('3')
    const refused = await call('/premium', credential)
    expect(refused.status).toBe(402)
    const text = await refused.text()
    expect(text).not.toContain('"content"')
    expect(JSON.parse(text)).toMatchObject({ error: 'prepaid_insufficient_calls', prepaid: { cost: 5 } })
    expect(await gate.prepaid!.status(credentialId)).toMatchObject({ used: 5, remaining: 3 })
    expect((await call('/cheap', credential)).headers.get(REMAINING)).toBe('2')
  })

  it.skipIf(skip)('a cost-5 call whose handler fails gives all 5 calls back', async () => {
    const { credential, credentialId } = await buy('eight')
    expect((await call('/premium-fails', credential)).status).toBe(503)
    // The calls are given back once the failed answer is complete, which may be just after the buyer has it.
    await eventually(async () => (await gate.prepaid!.status(credentialId))?.used === 0, 'the 5 calls came back')
    expect(await gate.prepaid!.status(credentialId)).toMatchObject({ used: 0, remaining: 8 })
    expect((await call('/premium', credential)).headers.get(REMAINING)).toBe('3')
  })

  it.skipIf(skip)('20 concurrent cost-5 calls on a 100-call credential: exactly 20 pass, and the next 20 find it spent', async () => {
    const { credential, credentialId } = await buy('dollar')
    const burst = async () => Promise.all(Array.from({ length: 20 }, () => call('/premium', credential).then(async (r) => (await r.arrayBuffer(), r.status))))
    expect((await burst()).filter((status) => status === 200)).toHaveLength(20)
    const second = await burst()
    expect(second.filter((status) => status === 402)).toHaveLength(20)
    expect(await gate.prepaid!.status(credentialId)).toMatchObject({ used: 100, remaining: 0 })
  })

  it.skipIf(skip)('the buyer helper buys anew when a cost-5 call finds too few calls left, and never buys a package the route refuses', async () => {
    const buyer = chain.accounts.buyers[buyerIndex++ % chain.accounts.buyers.length]!
    const payingFetch = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const purchases: PrepaidPurchase[] = []
    const eight = prepaidFetch({ payingFetch, package: 'eight', onPurchase: (p) => purchases.push(p) })
    expect((await eight(`${seller.url}/premium`)).headers.get(REMAINING)).toBe('3')
    // 3 left, the call costs 5: prepaid_insufficient_calls, so a second package is bought and pays for it.
    const second = await eight(`${seller.url}/premium`)
    expect(second.status).toBe(200)
    expect(second.headers.get(REMAINING)).toBe('3')
    expect(purchases.map((p) => p.package)).toEqual(['eight', 'eight'])

    // /pro-only takes 'pro' only: buying 'eight' there would be money for a refused credential.
    const refused = await eight(`${seller.url}/pro-only`)
    expect(refused.status).toBe(402)
    expect(await refused.json()).toMatchObject({ error: 'prepaid_package_not_accepted' })
    expect(purchases).toHaveLength(2)
  })
})
