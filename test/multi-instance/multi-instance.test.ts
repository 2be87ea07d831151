/**
 * Two seller processes, one chain: one payment presented 100 times at once, spread over both.
 * With one shared Redis exactly one presentation gets through; with a memory store per process
 * each process lets one through, and only the chain stops the second charge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateKeyAccount } from 'viem'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer as sharedFreshBuyer, signedV2, type V2Requirement } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { presentConcurrently, startSellerProcess, tally, type SellerProcess } from './seller-cluster.js'

const PRICE = 10_000n // '0.01' in the 6-decimal test token
const PRESENTATIONS = 100
const skip = requireRedisOrSkip('multi-instance')

let chain: TestChain
let redis: TestRedis
let shared: SellerProcess[] = []
let separate: SellerProcess[] = []

/** One payment for /paid, hand-signed, its `accepted` read from the PAYMENT-REQUIRED header of an unpaid request. */
async function paymentHeader(seller: SellerProcess, buyer: PrivateKeyAccount): Promise<string> {
  const challenge = await fetch(`${seller.url}/paid`)
  await challenge.arrayBuffer()
  expect(challenge.status).toBe(402)
  const accepted = decodeHeader<{ accepts: V2Requirement[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  return (await signedV2(chain, accepted, buyer)).header
}

const freshBuyer = () => sharedFreshBuyer(chain)

const handlersRun = async (sellers: SellerProcess[]) => (await Promise.all(sellers.map((s) => s.health()))).reduce((sum, h) => sum + h.handled, 0)

describe.skipIf(skip)('several seller processes, one payment', () => {
  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    redis = await startRedis()
    // Each process settles from its own funded key: two processes on one key would reuse account nonces.
    ;[shared, separate] = await Promise.all([
      Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'redis', redisPort: redis.port }))),
      Promise.all([0, 1].map(() => startSellerProcess(chain, { store: 'memory' }))),
    ])
  })

  afterAll(async () => {
    await Promise.all([...shared, ...separate].map((seller) => seller.stop()))
    await redis?.stop()
    await chain?.stop()
  })

  it(`one shared Redis: ${PRESENTATIONS} concurrent presentations over two processes → one 200, the rest 409, one transfer`, async () => {
    const buyer = await freshBuyer()
    const header = await paymentHeader(shared[0]!, buyer)
    const transfersBefore = await chain.transferCount()
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address)

    const answers = await presentConcurrently(shared.map((s) => s.url), '/paid', { 'PAYMENT-SIGNATURE': header }, PRESENTATIONS)

    expect(tally(answers)).toEqual({ 200: 1, 409: PRESENTATIONS - 1 })
    process.stdout.write(`multi-instance (shared Redis): ${JSON.stringify(tally(answers))}\n`)
    const paid = answers.find((a) => a.status === 200)!
    expect(paid.body).toMatchObject({ content: 'the goods', paidBy: buyer.address })
    expect(paid.settlement).toBeTruthy()
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.error).toBe('payment_already_used')
      expect(refused.body).not.toHaveProperty('content')
      expect(refused.settlement).toBeNull()
    }
    // Both processes answered, so the refusals really came from the other instance's claim too.
    expect(new Set(answers.map((a) => a.url)).size).toBe(2)
    expect(await chain.transferCount()).toBe(transfersBefore + 1)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + PRICE)
    expect(await handlersRun(shared)).toBe(1)

    // Later presentations, to either instance, are still refused.
    const again = await presentConcurrently(shared.map((s) => s.url), '/paid', { 'PAYMENT-SIGNATURE': header }, 2)
    expect(tally(again)).toEqual({ 409: 2 })
  })

  it('control, a memory store per process: each process lets the payment through once; only the chain refuses the second charge', async () => {
    const buyer = await freshBuyer()
    const header = await paymentHeader(separate[0]!, buyer)
    const transfersBefore = await chain.transferCount()

    const answers = await presentConcurrently(separate.map((s) => s.url), '/paid', { 'PAYMENT-SIGNATURE': header }, PRESENTATIONS)

    // Each process refuses its own concurrent repeats (409) but not the other's: at least one
    // presentation per process reaches verification. The chain takes only one transfer. The other
    // process is refused by the chain (402) when its simulation already sees the authorization used;
    // when its own transaction was sent first and reverted, the chain shows the seller paid by the
    // first one, and that is what it answers: the same transaction, so the buyer is served twice for
    // one charge. The money is safe, the work is not: give instances one shared store.
    // (How many 402s depends on timing: a claim refused by the chain is released, as for any
    // payment that was not charged, so later repeats reach the chain again.)
    const counts = tally(answers)
    expect(counts[200]).toBeGreaterThanOrEqual(1)
    expect(counts[200]).toBeLessThanOrEqual(separate.length)
    expect((counts[200] ?? 0) + (counts[402] ?? 0) + (counts[409] ?? 0)).toBe(PRESENTATIONS)
    const served = answers.filter((a) => a.status === 200)
    expect(new Set(served.map((a) => a.url)).size).toBe(served.length)
    expect(new Set(served.map((a) => (JSON.parse(Buffer.from(a.settlement!, 'base64').toString()) as { transaction: string }).transaction)).size).toBe(1)
    for (const refused of answers.filter((a) => a.status === 402)) {
      expect(String(refused.body.error)).toMatch(/^invalid_exact_evm_(nonce_already_used|transaction_failed)$/)
      expect(refused.body).not.toHaveProperty('content')
    }
    const passed = answers.filter((a) => a.status !== 409)
    expect(new Set(passed.map((a) => a.url)).size).toBe(2)
    expect(await chain.transferCount()).toBe(transfersBefore + 1)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
    expect(await handlersRun(separate)).toBeGreaterThanOrEqual(1)
    process.stdout.write(
      `multi-instance control (memory stores): ${JSON.stringify(counts)}, handlers run for one payment: ${await handlersRun(separate)}\n`,
    )
  })
})
