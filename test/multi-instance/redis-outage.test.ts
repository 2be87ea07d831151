/**
 * Redis dies under a running seller process (SIGKILL, by pid) and comes back on the same port:
 * the seller fails closed (503 store_unavailable, no content, no transfer), stays up, and serves
 * paid requests again once Redis is back, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, signedV2, type V2Requirement } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { startSellerProcess, type SellerProcess } from './seller-cluster.js'

const PRICE = 10_000n
const FUNDS = 1_000_000n
const ROUTES = ['/paid', '/paid-first'] as const
const skip = requireRedisOrSkip('redis outage')

interface Answer {
  status: number
  text: string
  body: Record<string, unknown>
  settlement: string | null
  challenge: string | null
}

let chain: TestChain
let redis: TestRedis
let seller: SellerProcess
let buyer: PrivateKeyAccount
let accepted: V2Requirement

async function freshPayment(): Promise<string> {
  return (await signedV2(chain, accepted, buyer)).header
}

async function pay(header: string, route: (typeof ROUTES)[number] = '/paid'): Promise<Answer> {
  const res = await fetch(`${seller.url}${route}`, { headers: { 'PAYMENT-SIGNATURE': header } })
  const text = await res.text()
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
    settlement: res.headers.get('payment-response'),
    challenge: res.headers.get('payment-required'),
  }
}

function expectServed(answer: Answer): void {
  expect(answer.status).toBe(200)
  expect(answer.text).toContain('the goods')
  expect(decodeHeader<{ success: boolean }>(answer.settlement!).success).toBe(true)
}

function expectFailedClosed(answer: Answer): void {
  expect(answer.status).toBe(503)
  expect(answer.body.error).toBe('store_unavailable')
  expect(answer.text).not.toContain('the goods')
  expect(answer.settlement).toBeNull()
  expect(answer.challenge).toBeTruthy()
}

/** Balance spent and transfers made since the start, so every step can check nothing moved without a 200. */
async function charged(): Promise<{ spent: bigint; transfers: number }> {
  return { spent: FUNDS - (await chain.balanceOf(buyer.address)), transfers: await chain.transferCount() }
}

async function waitForRedisClient(state: (status: string | null) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!state((await seller.health()).redis)) {
    if (Date.now() > deadline) throw new Error(`the seller's Redis client did not reach the expected state: ${(await seller.health()).redis}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.skipIf(skip)('Redis goes away under a running seller process', () => {
  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    redis = await startRedis()
    seller = await startSellerProcess(chain, { store: 'redis', redisPort: redis.port, storeTimeoutMs: 500 })
    buyer = privateKeyToAccount(generatePrivateKey())
    await chain.mint(buyer.address, FUNDS)
    const challenge = await fetch(`${seller.url}/paid`)
    await challenge.arrayBuffer()
    accepted = decodeHeader<{ accepts: V2Requirement[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  })

  afterAll(async () => {
    await seller?.stop()
    await redis?.stop()
    await chain?.stop()
  })

  it('fails closed while Redis is down, stays up, and recovers by itself when Redis is back', async () => {
    const first = await freshPayment()
    expectServed(await pay(first))
    expect(await charged()).toEqual({ spent: PRICE, transfers: 1 })

    // Killed in the middle of a burst: each payment is either served and charged, or refused and not.
    const burst = await Promise.all(Array.from({ length: 10 }, () => freshPayment()))
    const inFlight = Promise.all(burst.map((header, i) => pay(header, ROUTES[i % 2])))
    await redis.kill()
    const burstAnswers = await inFlight
    for (const answer of burstAnswers) {
      if (answer.status === 200) expectServed(answer)
      else expectFailedClosed(answer)
    }
    const servedInBurst = burstAnswers.filter((a) => a.status === 200).length
    expect(await charged()).toEqual({ spent: PRICE * BigInt(1 + servedInBurst), transfers: 1 + servedInBurst })

    // With Redis gone: every paid route refuses every payment, a replay included; nothing is charged.
    const refused = { '/paid': await freshPayment(), '/paid-first': await freshPayment() }
    for (const route of ROUTES) expectFailedClosed(await pay(refused[route], route))
    expectFailedClosed(await pay(first))
    expect(await charged()).toEqual({ spent: PRICE * BigInt(1 + servedInBurst), transfers: 1 + servedInBurst })

    // The process is up: its pid exists, a free route answers, and unpaid requests still get a challenge.
    expect(seller.alive()).toBe(true)
    expect(() => process.kill(seller.pid, 0)).not.toThrow()
    expect((await seller.health()).pid).toBe(seller.pid)
    const unpaid = await fetch(`${seller.url}/paid`)
    await unpaid.arrayBuffer()
    expect(unpaid.status).toBe(402)

    // Redis back on the same port, the seller untouched: the refused payments were never claimed, so they now pay.
    await redis.restart()
    await waitForRedisClient((status) => status === 'ready')
    for (const route of ROUTES) expectServed(await pay(refused[route], route))
    const refusedInBurst = burst.filter((_, i) => burstAnswers[i]!.status === 503)
    for (const header of refusedInBurst) expectServed(await pay(header))
    expectServed(await pay(await freshPayment()))
    const payments = 1 + burst.length + 2 + 1
    expect(await charged()).toEqual({ spent: PRICE * BigInt(payments), transfers: payments })

    // The restarted Redis is empty (no persistence): the first payment's claim is gone, and the
    // chain, which remembers the authorization, refuses it. Never served twice, never charged twice.
    const replay = await pay(first)
    expect(replay.status).toBe(402)
    expect(replay.body.error).toBe('invalid_exact_evm_nonce_already_used')
    expect(replay.text).not.toContain('the goods')
    expect(await charged()).toEqual({ spent: PRICE * BigInt(payments), transfers: payments })
    process.stdout.write(`redis outage: burst of ${burst.length} → ${servedInBurst} served before the kill, ${refusedInBurst.length} refused (503) and paid after the restart\n`)
  })
})
