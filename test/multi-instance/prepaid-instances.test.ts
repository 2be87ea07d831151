/**
 * One prepaid credential spent through two seller processes at once. With one shared Redis the
 * server-side counter is one truth: a 20-call credential passes exactly 20 calls, whatever the burst. With a
 * memory store per process each counts on its own, and the same credential passes twice as many.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { presentConcurrently, startSellerProcess, tally, type SellerProcess } from './seller-cluster.js'

const skip = requireRedisOrSkip('prepaid multi-instance')
const PREPAID_SECRET = 'multi-instance-prepaid-secret-32-bytes!'
const CALLS = 200

let chain: TestChain
let redis: TestRedis
let shared: SellerProcess[] = []
let separate: SellerProcess[] = []

/** Buys the 20-call package from `seller` with the official v2 client. */
async function buyCredential(seller: SellerProcess, buyerIndex: number): Promise<string> {
  const pay = makeV2Fetch(chain.accounts.buyers[buyerIndex]!, { network: 'eip155:84532', asset: chain.token })
  const res = await pay(`${seller.url}/prepaid/purchase?package=twenty`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { credential: string }).credential
}

describe.skipIf(skip)('a prepaid credential across two seller processes', () => {
  beforeAll(async () => {
    chain = await startTestChain()
    redis = await startRedis()
    const env = { PREPAID_SECRET }
    shared = await Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'redis', redisPort: redis.port, env })))
    separate = await Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'memory', env })))
  }, 60_000)

  afterAll(async () => {
    for (const seller of [...shared, ...separate]) await seller.stop()
    await redis?.stop()
    await chain?.stop()
  })

  it('with one Redis: exactly 20 calls pass in all, the rest answer 402 prepaid_exhausted', async () => {
    const credential = await buyCredential(shared[0]!, 0)
    // Bought at one instance, good at the other: one call there first.
    const first = await fetch(`${shared[1]!.url}/prepaid-data`, { headers: { 'x-prepaid-credential': credential } })
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ remaining: 19 })
    const answers = await presentConcurrently(shared.map((s) => s.url), '/prepaid-data', { 'x-prepaid-credential': credential }, CALLS)
    expect(tally(answers)).toEqual({ 200: 19, 402: 181 })
    expect(answers.filter((a) => a.status === 402).every((a) => a.body.error === 'prepaid_exhausted')).toBe(true)
    const remaining = answers.filter((a) => a.status === 200).map((a) => a.body.remaining as number).sort((x, y) => x - y)
    expect(remaining).toEqual(Array.from({ length: 19 }, (_, i) => i))
  })

  it('control, a memory store per process: each instance counts alone and the credential passes 40 times', async () => {
    const credential = await buyCredential(separate[0]!, 1)
    const answers = await presentConcurrently(separate.map((s) => s.url), '/prepaid-data', { 'x-prepaid-credential': credential }, CALLS)
    expect(tally(answers)).toEqual({ 200: 40, 402: 160 })
  })
})
