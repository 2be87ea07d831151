import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTollgate, localSettler, memoryStore } from '../../src/index.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { ANVIL_KEYS } from '../support/chain.js'
import { acceptedOf, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * A Permit2 nonce pays once: presented again in sequence, 50 times at once, or to two sellers
 * that share nothing (separate stores and settling keys, as two processes would), the buyer is
 * charged exactly once and the other presentations get no content.
 */
let chain: Permit2Chain
let sellers: Seller[] = []
let served = 0

beforeAll(async () => {
  chain = await startPermit2Chain()
  const route = (s: Seller['app'], gate: Seller['gate']) => {
    s.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (req, res) => {
      served++
      res.json({ payer: req.payment?.payer })
    })
    s.get('/metered', gate.paywall({ scheme: 'upto', max: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (_req, res) => {
      served++
      res.json({ charged: 'not set' })
    })
  }
  // Two instances of one seller: one replay store (Redis in production; the same Store contract), separate settling keys.
  const shared = memoryStore()
  sellers = [
    await startSeller(chain, route, { store: shared }),
    await startSeller(chain, route, { store: shared, settler: localSettler({ privateKey: ANVIL_KEYS[9]!, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }) }),
    // A third that shares nothing: only the chain's nonce protects the seller there.
    await startSeller(chain, route, { store: memoryStore(), settler: localSettler({ privateKey: ANVIL_KEYS[8]!, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }) }),
  ]
  for (const buyer of chain.accounts.buyers.slice(0, 3)) await chain.approvePermit2(buyer)
})

afterAll(async () => {
  for (const seller of sellers) await seller.close()
  await chain?.stop()
})

const sellerBalance = () => chain.balanceOf(chain.accounts.seller.address, chain.permitToken)

describe('Permit2 replay', () => {
  it('sequential: the same nonce is served once, even re-signed with another deadline', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${sellers[0]!.url}/report`)
    const first = await permit2PaymentHeader(buyer, accepted)
    const before = await sellerBalance()
    expect((await fetch(`${sellers[0]!.url}/report`, { headers: { 'payment-signature': first.header } })).status).toBe(200)
    const again = await fetch(`${sellers[0]!.url}/report`, { headers: { 'payment-signature': first.header } })
    expect(again.status).toBe(409)
    const resigned = await permit2PaymentHeader(buyer, accepted, { nonce: first.nonce, deadline: BigInt(Math.floor(Date.now() / 1000)) + 200n })
    const third = await fetch(`${sellers[0]!.url}/report`, { headers: { 'payment-signature': resigned.header } })
    expect(third.status).toBe(409)
    expect(await chain.permit2NonceUsed(buyer.address, first.nonce)).toBe(true)
    expect(await sellerBalance()).toBe(before + 1_000_000n)
  })

  it('50 concurrent presentations of one payment: one 200, the rest refused, one charge', async () => {
    const buyer = chain.accounts.buyers[1]!
    const accepted = await acceptedOf(`${sellers[0]!.url}/report`)
    const { header } = await permit2PaymentHeader(buyer, accepted)
    const before = await sellerBalance()
    const servedBefore = served
    const statuses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${sellers[0]!.url}/report`, { headers: { 'payment-signature': header } }).then((r) => r.status)))
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
    expect(served - servedBefore).toBe(1)
    expect(await sellerBalance()).toBe(before + 1_000_000n)
  })

  it('two instances sharing the replay store, with separate settling keys: one serves, the other answers 409, one charge', async () => {
    const buyer = chain.accounts.buyers[2]!
    const accepted = await acceptedOf(`${sellers[0]!.url}/report`)
    const { header } = await permit2PaymentHeader(buyer, accepted)
    const before = await sellerBalance()
    const servedBefore = served
    const statuses = await Promise.all(sellers.slice(0, 2).map((s) => fetch(`${s.url}/report`, { headers: { 'payment-signature': header } }).then((r) => r.status)))
    expect(statuses.sort()).toEqual([200, 409])
    expect(served - servedBefore).toBe(1)
    expect(await sellerBalance()).toBe(before + 1_000_000n)
  })

  it('an instance sharing no store cannot charge twice: the Permit2 nonce is spent on chain', async () => {
    const buyer = chain.accounts.buyers[2]!
    const accepted = await acceptedOf(`${sellers[0]!.url}/report`)
    const { header } = await permit2PaymentHeader(buyer, accepted)
    const before = await sellerBalance()
    expect((await fetch(`${sellers[0]!.url}/report`, { headers: { 'payment-signature': header } })).status).toBe(200)
    // Presented later to an instance that never saw it: verification's simulation meets the spent nonce.
    const other = await fetch(`${sellers[2]!.url}/report`, { headers: { 'payment-signature': header } })
    expect(other.status).toBe(402)
    expect(((await other.json()) as { error: string }).error).toBe('permit2_invalid_nonce')
    expect(await sellerBalance()).toBe(before + 1_000_000n)
  })

  it('upto without a charge set charges the whole maximum (the official default)', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${sellers[0]!.url}/metered`)
    const before = await sellerBalance()
    const res = await fetch(`${sellers[0]!.url}/metered`, { headers: { 'payment-signature': (await permit2PaymentHeader(buyer, accepted)).header } })
    expect(res.status).toBe(200)
    expect(JSON.parse(Buffer.from(res.headers.get('payment-response')!, 'base64').toString('utf8')).amount).toBe('1000000')
    expect(await sellerBalance()).toBe(before + 1_000_000n)
  })
})

describe('setup', () => {
  const base = () => ({ payTo: chain.accounts.seller.address, settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl }), store: memoryStore(), networks: [{ name: 'base-sepolia', asset: chain.permitTokenInfo }] })

  it("refuses settle 'before-handler' for an upto route", () => {
    const gate = createTollgate(base())
    expect(() => gate.route({ scheme: 'upto', max: '0.50', network: 'base-sepolia', settle: 'before-handler' })).toThrow(/upto payments settle after the handler/)
  })

  it('refuses upto on a Solana network instead of quietly charging exact', () => {
    const gate = createTollgate(base())
    expect(() => gate.route({ scheme: 'upto', max: '0.50', network: 'solana-devnet' })).toThrow(/upto' and assetTransferMethod are EVM options/)
  })

  it('refuses an upto option with amount instead of max, or a max function', () => {
    const gate = createTollgate(base())
    expect(() => gate.route({ scheme: 'upto', amount: '0.50', network: 'base-sepolia' } as never)).toThrow(/takes `max`/)
    expect(() => gate.route({ scheme: 'upto', max: (() => '1') as never, network: 'base-sepolia' })).toThrow(/max must be a fixed price/)
  })
})
