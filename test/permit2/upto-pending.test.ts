import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSeller, type Seller } from '../e2e/seller.js'
import { decodeHeader } from '../support/payments.js'
import { acceptedOf, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * An upto settlement whose outcome is not known in time (anvil with automine off) is recorded with
 * its charge; presented again once mined, the payment is served without a second charge and the buyer
 * is told what it cost: the charge settled, not the maximum signed. The handler runs again and asks
 * for another charge: it cannot change what was settled.
 */
let chain: Permit2Chain
let seller: Seller
const charges = ['$0.25', '$0.40'] as const
let calls = 0

beforeAll(async () => {
  chain = await startPermit2Chain()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/metered', gate.paywall({ scheme: 'upto', max: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (req, res) => {
        req.payment?.charge?.(charges[Math.min(calls++, charges.length - 1)]!)
        res.json({ amount: req.payment?.amount, max: req.payment?.max })
      })
    },
    { settlerOptions: { receiptTimeoutMs: 300 } },
  )
  await chain.approvePermit2(chain.accounts.buyers[0]!)
})

afterAll(async () => {
  await chain?.rpc('evm_setAutomine', [true]).catch(() => undefined)
  await seller?.close()
  await chain?.stop()
})

describe('upto settlement outcome unknown', () => {
  it('resolved from the chain and served once, reporting the charge settled rather than the maximum', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${seller.url}/metered`)
    const { header } = await permit2PaymentHeader(buyer, accepted)
    const before = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    await chain.rpc('evm_setAutomine', [false])
    const first = await fetch(`${seller.url}/metered`, { headers: { 'payment-signature': header } })
    expect(first.status).toBe(503)
    expect(((await first.json()) as { error: string }).error).toBe('settlement_unknown')
    await chain.rpc('evm_mine')
    await chain.rpc('evm_setAutomine', [true])

    const again = await fetch(`${seller.url}/metered`, { headers: { 'payment-signature': header } })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ amount: '250000', max: '1000000' })
    expect(decodeHeader<Record<string, unknown>>(again.headers.get('payment-response')!)).toMatchObject({ success: true, amount: '250000' })
    expect(calls).toBe(2)
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before + 250_000n)
    const once = await fetch(`${seller.url}/metered`, { headers: { 'payment-signature': header } })
    expect(once.status).toBe(409)
  })
})
