/**
 * Tollgate options reach every route's gate: `hold` (from `defaults`, merged field by field with
 * the route's) and `maxPendingPerPayer` (one bound shared by all routes). Real anvil chain,
 * hand-signed x402 v2 payments, the framework-free gate.
 */
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTollgate, localSettler, memoryStore, type PaymentGate, type RequestLike, type Tollgate } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'

const PRICE = 10_000n
let chain: TestChain
let tollgate: Tollgate

beforeAll(async () => {
  chain = await startTestChain()
  tollgate = createTollgate({
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    defaults: { hold: { maxBytes: 1000 } },
    maxPendingPerPayer: 1,
  })
})

afterAll(async () => {
  await chain?.stop()
})

const request = (path: string, headers: Record<string, string> = {}): RequestLike => ({
  method: 'GET',
  url: `http://127.0.0.1${path}`,
  headers: { get: (name) => headers[name.toLowerCase()] ?? null },
})

/** A signed v2 payment for `gate` from `buyer`, built from the gate's own challenge. */
async function payment(gate: PaymentGate, path: string, buyer: ReturnType<typeof privateKeyToAccount>): Promise<RequestLike> {
  const challenge = await gate.evaluate(request(path))
  if (challenge.type !== 'challenge') throw new Error(`expected a challenge, got ${challenge.type}`)
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers['payment-required']!).accepts[0]!
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
  return request(path, { 'payment-signature': encodeHeader(v2Payment(accepted, payload)) })
}

async function fundedBuyer() {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await chain.mint(buyer.address, PRICE * 10n)
  return buyer
}

describe('options plumbed from createTollgate to every route', () => {
  it("a pass carries the route's hold over the defaults' hold", async () => {
    const refuse = tollgate.route({ amount: { atomic: String(PRICE) }, network: 'base-sepolia', hold: { overflow: 'refuse' } })
    const plain = tollgate.route({ amount: { atomic: String(PRICE) }, network: 'base-sepolia' })
    const buyer = await fundedBuyer()
    const first = await refuse.evaluate(await payment(refuse, '/refuse', buyer))
    expect(first).toMatchObject({ type: 'pass', policy: 'after-handler', hold: { maxBytes: 1000, overflow: 'refuse' } })
    if (first.type === 'pass') await first.abandon()
    const second = await plain.evaluate(await payment(plain, '/plain', buyer))
    expect(second).toMatchObject({ type: 'pass', hold: { maxBytes: 1000, overflow: 'settle' } })
    if (second.type === 'pass') await second.abandon()
  })

  it('maxPendingPerPayer bounds one payer across routes: a second payment in progress is refused with 429', async () => {
    const a = tollgate.route({ amount: { atomic: String(PRICE) }, network: 'base-sepolia' })
    const b = tollgate.route({ amount: { atomic: String(PRICE) }, network: 'base-sepolia', settle: 'before-handler' })
    const buyer = await fundedBuyer()
    const first = await a.evaluate(await payment(a, '/a', buyer))
    expect(first.type).toBe('pass')
    const second = await b.evaluate(await payment(b, '/b', buyer))
    expect(second).toMatchObject({ type: 'reject', status: 429, reason: 'too_many_pending_payments' })
    // Another payer is not held back by this one.
    const other = await b.evaluate(await payment(b, '/b', await fundedBuyer()))
    expect(other.type).toBe('pass')
    if (other.type === 'pass') await other.abandon()
    if (first.type === 'pass') await first.abandon()
    const third = await b.evaluate(await payment(b, '/b', buyer))
    expect(third.type).toBe('pass')
    if (third.type === 'pass') await third.abandon()
  })
})
