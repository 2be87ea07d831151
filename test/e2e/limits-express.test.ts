/**
 * Rate limits through a real Express seller on anvil, its settler reading the chain through a
 * counting RPC proxy: payments over a limit answer 429 rate_limited with Retry-After before
 * anything reads the chain (a flood of forged payments costs no RPC), charge nothing, and free
 * the payment, which goes through once the window has passed. The limiter's clock is the test's,
 * so "the window passes" is a step, not a wait.
 */
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore, type PaywallOptions } from '../../src/index.js'
import { forwardedFor, rateLimits } from '../../src/limits/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer, requirementAt, signedV2, type V2Requirement } from '../support/payments.js'
import { officialBuyer, snapshot } from './pending-fixture.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n
const WINDOW_MS = 60_000
/** 30 s into a window: a limited answer says Retry-After: 30. */
const clock = { ms: 29_000_000 * WINDOW_MS + 30_000 }
const now = () => clock.ms

let chain: TestChain
let proxy: RpcProxy
let seller: Seller
const route = (name: string, hooks: object) => ({ amount: '0.01', network: 'base-sepolia', name, hooks }) as unknown as PaywallOptions

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  proxy = await startRpcProxy(chain.rpcUrl)
  const store = memoryStore()
  const window = { windowMs: WINDOW_MS }
  seller = await startSeller(
    chain,
    (app, gate) => {
      const serve = (_req: unknown, res: { json(body: unknown): void }) => res.json({ content: 'PAID CONTENT' })
      app.get('/open', gate.paywall(route('open', {})), serve)
      app.get('/per-payer', gate.paywall(route('per-payer', rateLimits({ store, now, perPayer: { requests: 3, ...window } }).hooks)), serve)
      app.get('/per-route', gate.paywall(route('per-route', rateLimits({ store, now, perRoute: { requests: 2, ...window } }).hooks)), serve)
      // The test stands in for the seller's one reverse proxy, which appends the address it received from.
      const perIp = { requests: 2, ...window, clientIp: forwardedFor({ proxies: 1 }) }
      app.get('/per-ip', gate.paywall(route('per-ip', rateLimits({ store, now, perIp }).hooks)), serve)
    },
    // Through the proxy, with no background gas checks: every chain read is a request the proxy counts.
    { store, settlerOptions: { rpcUrl: proxy.url, gasCheckIntervalMs: 0 } },
  )
  // One paid request first: the settler's start-up reads (chain id, gas balance) are done after it.
  const warm = officialBuyer(chain, await freshBuyer(chain))
  expect((await warm.pay(`${seller.url}/open`)).status).toBe(200)
}, 60_000)

afterAll(async () => {
  await seller?.close()
  await proxy?.close()
  await chain?.stop()
})

/** A payment naming `payer` but signed by someone else: it can never verify. */
async function forged(requirement: V2Requirement, payer = privateKeyToAccount(generatePrivateKey())): Promise<string> {
  return (await signedV2(chain, requirement, payer, { signer: privateKeyToAccount(generatePrivateKey()) })).header
}

async function present(path: string, header: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${seller.url}${path}`, { headers: { 'payment-signature': header, ...headers } })
  return { res, body: (await res.json()) as Record<string, unknown> }
}

/** The limited presentation: 429 rate_limited, Retry-After, the challenge repeated, and no chain read for it. */
async function expectLimited(path: string, header: string, headers: Record<string, string> = {}) {
  const before = proxy.forwarded
  const { res, body } = await present(path, header, headers)
  expect(res.status).toBe(429)
  expect(res.headers.get('retry-after')).toBe('30')
  expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After')
  expect(res.headers.get('payment-required')).toBeTruthy()
  expect(body).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('Retry in 30 s'), accepts: expect.any(Array) })
  expect(proxy.forwarded).toBe(before)
  return body
}

describe('rate limits before any chain read', () => {
  it('per payer: 3 forged payments naming one payer are refused as forged; the 4th is 429 with Retry-After and reads nothing from the chain', async () => {
    const requirement = await requirementAt(`${seller.url}/per-payer`)
    const victim = await freshBuyer(chain)
    for (let i = 0; i < 3; i++) {
      const before = proxy.forwarded
      const { res, body } = await present('/per-payer', await forged(requirement, victim))
      expect(res.status).not.toBe(429)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(body.error).not.toBe('rate_limited')
      // What the limit saves: a signature that does not recover to the payer is asked of the chain (ERC-1271).
      if (i === 0) expect(proxy.forwarded).toBeGreaterThan(before)
    }
    const header = await forged(requirement, victim)
    await expectLimited('/per-payer', header)
    // Another payer is not limited by this one's counter.
    const { res } = await present('/per-payer', await forged(requirement))
    expect(res.status).not.toBe(429)
  })

  it("per route: everyone together; the 3rd payment in the window is 429 whoever sends it", async () => {
    const requirement = await requirementAt(`${seller.url}/per-route`)
    for (let i = 0; i < 2; i++) expect((await present('/per-route', await forged(requirement))).res.status).not.toBe(429)
    await expectLimited('/per-route', await forged(requirement))
  })

  it('per client address from X-Forwarded-For (one trusted proxy): the 3rd from one address is 429, whatever the client put left of it; another address passes', async () => {
    const requirement = await requirementAt(`${seller.url}/per-ip`)
    const from = (spoofed: string, address: string) => ({ 'x-forwarded-for': `${spoofed}, ${address}` })
    expect((await present('/per-ip', await forged(requirement), from('1.1.1.1', '203.0.113.7'))).res.status).not.toBe(429)
    expect((await present('/per-ip', await forged(requirement), from('2.2.2.2', '203.0.113.7'))).res.status).not.toBe(429)
    await expectLimited('/per-ip', await forged(requirement), from('3.3.3.3', '203.0.113.7'))
    expect((await present('/per-ip', await forged(requirement), from('3.3.3.3', '198.51.100.9'))).res.status).not.toBe(429)
  })
})

describe('a limited payment is not charged and goes through once the window has passed', () => {
  it("an honest payment over its payer's limit: 429, nothing charged; the same payment after the window: 200, charged once", async () => {
    const requirement = await requirementAt(`${seller.url}/per-payer`)
    const buyer = await freshBuyer(chain)
    // A forger naming this buyer uses up its allowance (per-payer limits count claims, not proofs).
    for (let i = 0; i < 3; i++) await present('/per-payer', await forged(requirement, buyer))
    const { header } = await signedV2(chain, requirement, buyer)
    const before = await snapshot(chain, buyer.address)
    await expectLimited('/per-payer', header)
    expect(await snapshot(chain, buyer.address)).toEqual(before)

    clock.ms += 30_000
    try {
      const { res, body } = await present('/per-payer', header)
      expect(res.status).toBe(200)
      expect(body).toEqual({ content: 'PAID CONTENT' })
      expect(await snapshot(chain, buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
    } finally {
      clock.ms -= 30_000
    }
  })
})
