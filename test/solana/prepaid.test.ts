/**
 * A prepaid package bought with a Solana payment: the purchase is one transfer of exactly the
 * package price, the credential it returns pays the calls without touching the chain again, and
 * the purchase payment cannot be replayed as a second purchase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepaid } from '../../src/prepaid/index.js'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { solanaOption, solanaSellerConfig, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const PACKAGE_PRICE = 50_000n // 0.05
const HEADER = 'x-prepaid-credential'

let sol: SolanaStandIn
let payTo: SolanaKeypair
let seller: HttpSeller

beforeAll(async () => {
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
  const config = solanaSellerConfig(sol, payTo.address, {
    prepaid: prepaid({
      secret: 'solana-prepaid-secret-with-at-least-32-bytes!',
      packages: [{ id: 'three', calls: 3, days: 1, price: solanaOption(sol, '0.05') }],
    }),
  })
  seller = await startOverHttp(expressHarness, config, [
    { path: '/data', paywall: { accepts: [solanaOption(sol)], prepaid: true }, behavior: { kind: 'json' } },
  ])
})
afterAll(async () => {
  await seller?.close()
  await sol?.stop()
})

describe('a prepaid package paid in Solana', () => {
  it('the package list prices it on the Solana network', async () => {
    const res = await fetch(seller.urlOf('/prepaid/packages'))
    expect(res.status).toBe(200)
    expect(JSON.stringify(await res.json())).toContain(sol.network)
  })

  it('purchase: 201 with a credential, one transfer of exactly the package price; three calls served with no more transfers, the fourth refused', async () => {
    const buyer = await sol.fundBuyer()
    const purchaseUrl = seller.urlOf('/prepaid/purchase?package=three')
    const init = { method: 'POST', headers: { 'idempotency-key': `key-${crypto.randomUUID()}` } }
    const { header } = await payFor(sol, purchaseUrl, buyer, {}, sol.network, init)
    const before = { seller: (await sol.tokenBalance(payTo.address))!, sent: (await sol.history()).length }
    const res = await fetch(purchaseUrl, { ...init, headers: { ...init.headers, 'payment-signature': header } })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { credential: string; calls: number; package: string }
    expect(body).toMatchObject({ package: 'three', calls: 3 })
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PACKAGE_PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PACKAGE_PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)

    for (let i = 0; i < 3; i++) {
      const call = await fetch(seller.urlOf('/data'), { headers: { [HEADER]: body.credential } })
      expect(call.status).toBe(200)
      expect(await call.text()).toContain(PAID_CONTENT)
    }
    const fourth = await fetch(seller.urlOf('/data'), { headers: { [HEADER]: body.credential } })
    expect(fourth.status).not.toBe(200)
    expect(await fourth.text()).not.toContain(PAID_CONTENT)
    expect((await sol.history()).length).toBe(before.sent + 1)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PACKAGE_PRICE)
  })

  it('the purchase payment presented again under another idempotency key buys nothing more', async () => {
    const buyer = await sol.fundBuyer()
    const purchaseUrl = seller.urlOf('/prepaid/purchase?package=three')
    const first = { method: 'POST', headers: { 'idempotency-key': `key-${crypto.randomUUID()}` } }
    const { header } = await payFor(sol, purchaseUrl, buyer, {}, sol.network, first)
    expect((await fetch(purchaseUrl, { ...first, headers: { ...first.headers, 'payment-signature': header } })).status).toBe(201)
    const sent = (await sol.history()).length
    const again = await fetch(purchaseUrl, { method: 'POST', headers: { 'idempotency-key': `key-${crypto.randomUUID()}`, 'payment-signature': header } })
    expect(again.status).toBeGreaterThanOrEqual(400)
    expect(again.status).toBeLessThan(500)
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PACKAGE_PRICE)
  })
})
