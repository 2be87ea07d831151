/**
 * A per-payer rate limit across two seller processes. With one shared Redis the limit is one
 * counter: of a burst of forged payments naming one payer, sent to both instances at once, exactly
 * LIMIT pass the limiter (and then fail verification as forged); every other one is 429
 * rate_limited with Retry-After. With a memory store per process each instance counts alone and
 * twice as many pass: the control that shows the shared count is what holds the limit.
 */
import { fileURLToPath } from 'node:url'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { requirementAt, signedV2 } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { startSellerProcess, type SellerProcess } from './seller-cluster.js'

const skip = requireRedisOrSkip('rate limits across instances')
const LIMIT = 7
const PER_INSTANCE = 60
const routesModule = fileURLToPath(new URL('./limits-routes.ts', import.meta.url))
/** Mid-window, pinned: 30 s before the window ends. */
const env = { LIMIT_REQUESTS: String(LIMIT), LIMIT_NOW_MS: String(29_000_000 * 60_000 + 30_000) }

let chain: TestChain
let redis: TestRedis
let shared: SellerProcess[] = []
let separate: SellerProcess[] = []

/** 2 × PER_INSTANCE forged payments naming one payer, each its own nonce, sent at once, alternating over the instances. */
async function burst(sellers: readonly SellerProcess[]) {
  const requirement = await requirementAt(`${sellers[0]!.url}/limited`)
  const payer = privateKeyToAccount(generatePrivateKey())
  const headers = await Promise.all(
    Array.from({ length: sellers.length * PER_INSTANCE }, async () => (await signedV2(chain, requirement, payer, { signer: privateKeyToAccount(generatePrivateKey()) })).header),
  )
  return Promise.all(
    headers.map(async (header, i) => {
      const res = await fetch(`${sellers[i % sellers.length]!.url}/limited`, { headers: { 'payment-signature': header } })
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string } }
    }),
  )
}

describe.skipIf(skip)('a rate limit across two seller processes', () => {
  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    redis = await startRedis()
    shared = await Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'redis', redisPort: redis.port, routesModule, env: { ...env, LIMIT_PREFIX: 'shared:' } })))
    separate = await Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'memory', routesModule, env })))
  }, 60_000)

  afterAll(async () => {
    for (const seller of [...shared, ...separate]) await seller.stop()
    await redis?.stop()
    await chain?.stop()
  })

  it(`with one Redis: exactly ${LIMIT} of ${2 * PER_INSTANCE} concurrent presentations pass the limiter; the rest are 429 with Retry-After`, async () => {
    const answers = await burst(shared)
    const limited = answers.filter((a) => a.status === 429)
    expect(limited).toHaveLength(2 * PER_INSTANCE - LIMIT)
    expect(limited.every((a) => a.body.error === 'rate_limited' && a.retryAfter === '30')).toBe(true)
    // The ones that passed were verified, and refused as the forgeries they are: never served.
    const passed = answers.filter((a) => a.status !== 429)
    expect(passed.every((a) => a.status >= 400 && a.status < 500 && a.body.error !== 'rate_limited')).toBe(true)
  })

  it(`control, a memory store per process: each instance counts alone and ${2 * LIMIT} pass`, async () => {
    const answers = await burst(separate)
    expect(answers.filter((a) => a.status !== 429)).toHaveLength(2 * LIMIT)
  })
})
