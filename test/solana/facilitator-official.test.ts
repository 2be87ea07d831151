/**
 * Interop: a tollgate Express seller settling Solana payments through the official x402
 * facilitator (`x402Facilitator` + @x402/svm's ExactSvmScheme, v2 and v1, in its own process) via
 * `solanaFacilitator(httpFacilitator({ url }))`, paid by the official @x402/svm client, on the
 * stand-in. The facilitator's own key sponsors the fee; tollgate still claims each payment before
 * the facilitator sees it, so a replay never reaches /settle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { solanaFacilitator } from '../../src/chains/solana/index.js'
import { httpFacilitator, memoryStore } from '../../src/index.js'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { requireSvmClientOrSkip, runSvmBuyer, startOfficialSvmFacilitator, type OfficialSvmFacilitator } from '../support/solana/official.js'
import { solanaOption, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const PRICE = 10_000n
const skip = requireSvmClientOrSkip('solana: tollgate seller through the official facilitator')

let sol: SolanaStandIn
let payTo: SolanaKeypair
let sponsor: SolanaKeypair
let official: OfficialSvmFacilitator
let seller: HttpSeller

beforeAll(async () => {
  if (skip) return
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
  // The facilitator's own fee payer, not the seller's: the test can tell who paid the fee.
  sponsor = await sol.newKeypair()
  await sol.airdrop(sponsor.address, 1_000_000_000n)
  official = await startOfficialSvmFacilitator(sol.url, sponsor)
  const settler = solanaFacilitator(httpFacilitator({ url: official.url }))
  seller = await startOverHttp(expressHarness, { payTo: payTo.address, settler, store: memoryStore() }, [
    { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
  ])
  expect(await settler.ready()).toMatchObject({ ok: true })
})
afterAll(async () => {
  await seller?.close()
  await official?.stop()
  await sol?.stop()
})

describe.skipIf(skip)('paid through the official SVM facilitator', () => {
  it("the 402 names the facilitator's fee payer", async () => {
    const { offer } = await payFor(sol, seller.urlOf('/data'), await sol.newKeypair())
    expect(offer.extra.feePayer).toBe(sponsor.address)
  })

  it('the official client (v2, then v1) buys the resource: 200, one transfer of the price each, the fee paid by the facilitator', async () => {
    for (const v1 of [false, true]) {
      const buyer = await sol.fundBuyer()
      const before = { seller: (await sol.tokenBalance(payTo.address))!, sponsor: await sol.solBalance(sponsor.address), ours: await sol.solBalance(sol.feePayer.address) }
      const result = await runSvmBuyer(seller.urlOf('/data'), buyer, { rpcUrl: sol.url, asset: sol.mint, v1 })
      expect(result.status).toBe(200)
      expect(JSON.parse(result.body)).toMatchObject({ content: PAID_CONTENT, payer: buyer.address })
      expect(result.paymentResponse).toMatchObject({ success: true, payer: buyer.address })
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
      expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
      expect(await sol.solBalance(sponsor.address)).toBe(before.sponsor - 10_001n)
      expect(await sol.solBalance(sol.feePayer.address)).toBe(before.ours)
    }
    expect(await official.calls()).toMatchObject({ verify: 2, settle: 2 })
  })

  it('the same payment again: 409 from tollgate, the facilitator is not asked to settle it twice', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    expect((await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })).status).toBe(200)
    const settles = (await official.calls()).settle
    const again = await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })
    expect(again.status).toBe(409)
    expect(await again.text()).not.toContain(PAID_CONTENT)
    expect((await official.calls()).settle).toBe(settles)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
  })

  it("a payment one unit short: 402 with the facilitator's reason, nothing moves", async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer, { amount: PRICE - 1n })
    const sent = (await sol.history()).length
    const res = await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })
    const text = await res.text()
    expect(res.status).toBe(402)
    expect(text).not.toContain(PAID_CONTENT)
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_exact_svm_payload_amount_mismatch' })
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n)
  })
})
