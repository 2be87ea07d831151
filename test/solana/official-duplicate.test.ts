/**
 * The official SVM facilitator's duplicate-settlement weakness, measured: its duplicate guard is a
 * 120 s in-memory cache, so a fresh instance (a restart, a second replica) answers success for a
 * payment another instance already settled, and a seller relying on it would serve the content
 * twice for one transfer. tollgate's facilitator keeps the claim in Redis and refuses the second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  requireSvmClientOrSkip,
  signWithSvmClient,
  startOfficialSvmFacilitator,
  startOfficialSvmSeller,
  type ChildServer,
  type OfficialSvmFacilitator,
} from '../support/solana/official.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'

const PRICE = 10_000n
const skip = requireSvmClientOrSkip('official facilitator duplicate settlement')

type Settle = { success: boolean; transaction?: string; errorReason?: string; payer?: string }

async function post(url: string, path: 'verify' | 'settle', body: unknown): Promise<Settle & { isValid?: boolean; invalidReason?: string }> {
  const res = await fetch(`${url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return (await res.json()) as Settle
}

describe.skipIf(skip)('the official facilitator settles one payment twice across instances', () => {
  let sol: SolanaStandIn
  let payTo: SolanaKeypair
  let first: OfficialSvmFacilitator
  let shop: ChildServer
  beforeAll(async () => {
    sol = await startSolanaStandIn()
    payTo = await sol.newSeller()
    first = await startOfficialSvmFacilitator(sol.url, sol.feePayer)
    // The official seller only serves the 402 the official client signs against.
    shop = await startOfficialSvmSeller({ facilitatorUrl: first.url, rpcUrl: sol.url, payTo: payTo.address, asset: sol.mint, amount: PRICE })
  })
  afterAll(async () => {
    await shop?.stop()
    await first?.stop()
    await sol?.stop()
  })

  it('same instance: duplicate_settlement; a fresh instance: success again with the same signature, while the chain moved once', async () => {
    const buyer = await sol.fundBuyer()
    const { payload } = await signWithSvmClient(`${shop.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    const body = { x402Version: 2, paymentPayload: payload, paymentRequirements: payload.accepted }

    const settled = await post(first.url, 'settle', body)
    expect(settled).toMatchObject({ success: true, payer: buyer.address })
    expect(await post(first.url, 'settle', body)).toMatchObject({ success: false, errorReason: 'duplicate_settlement' })

    const fresh = await startOfficialSvmFacilitator(sol.url, sol.feePayer)
    try {
      expect(await post(fresh.url, 'verify', body)).toMatchObject({ isValid: true })
      const again = await post(fresh.url, 'settle', body)
      // The weakness: a second "success" for the same payment, the same transaction named.
      expect(again).toMatchObject({ success: true, transaction: settled.transaction })
    } finally {
      await fresh.stop()
    }
    // The cluster dropped the resend: one transfer, so a seller trusting both answers served twice for one payment.
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(PRICE)
    expect((await sol.history()).filter((h) => h.state === 'landed')).toHaveLength(1)
  })
})
