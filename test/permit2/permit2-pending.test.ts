import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSeller, type Seller } from '../e2e/seller.js'
import { acceptedOf, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * A Permit2 settlement whose outcome is not known in time (anvil with automine off: the proxy call
 * waits in the pool) follows the EIP-3009 truth rules: 503 settlement_unknown, never "failed", the
 * claim kept; once mined, the same payment presented again is resolved from the chain (Permit2's
 * nonce bitmap, and the proxy transaction that used the nonce) and served without a second charge.
 */
let chain: Permit2Chain
let seller: Seller

beforeAll(async () => {
  chain = await startPermit2Chain()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (_req, res) => {
        res.json({ ok: true })
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

describe('Permit2 settlement outcome unknown', () => {
  it('503 settlement_unknown while pending; resolved from the chain and served once when presented again', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${seller.url}/report`)
    const { header, nonce } = await permit2PaymentHeader(buyer, accepted)
    const before = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    await chain.rpc('evm_setAutomine', [false])
    const first = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(first.status).toBe(503)
    const body = (await first.json()) as Record<string, unknown>
    expect(body.error).toBe('settlement_unknown')
    // The handler ran (after-handler), but its answer is held back until the payment is known.
    expect(body).not.toHaveProperty('ok')
    // Still pending: presented again, it stays unknown and is not sent twice.
    const meanwhile = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect([409, 503]).toContain(meanwhile.status)
    await chain.rpc('evm_mine')
    await chain.rpc('evm_setAutomine', [true])
    expect(await chain.permit2NonceUsed(buyer.address, nonce)).toBe(true)
    const again = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ ok: true })
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before + 1_000_000n)
    const once = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(once.status).toBe(409)
  })
})
