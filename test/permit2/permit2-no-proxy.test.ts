import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSeller, type Seller } from '../e2e/seller.js'
import { acceptedOf, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/** A chain with Permit2 but without the x402 proxies: the seller's setup problem, said plainly, nothing charged. */
let chain: Permit2Chain
let seller: Seller
const logged: string[] = []

beforeAll(async () => {
  chain = await startPermit2Chain({ proxies: false })
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (_req, res) => res.json({ ok: true }))
    },
    { logger: { error: (message: string) => logged.push(message), warn: (message: string) => logged.push(message) } },
  )
  await chain.approvePermit2(chain.accounts.buyers[0]!)
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('x402 proxy not deployed', () => {
  it('answers 503 permit2_proxy_not_deployed, runs no handler and moves no token', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${seller.url}/report`)
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': (await permit2PaymentHeader(buyer, accepted)).header } })
    expect(res.status).toBe(503)
    const body = (await res.json()) as { error: string; detail?: string }
    expect(body.error).toBe('permit2_proxy_not_deployed')
    expect(body.detail).toMatch(/proxy is not deployed/)
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before)
  })
})
