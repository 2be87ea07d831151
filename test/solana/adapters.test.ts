/**
 * The official @x402/svm client (v2 and v1) pays a tollgate Solana route in every adapter, through
 * the stand-in chain: 200 with the handler's content, a settlement header whose transaction is a
 * base58 signature, the buyer down and the seller up by exactly the price, and the seller's fee
 * payer down by exactly the fee the cluster charged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeHeader } from '../support/payments.js'
import { requireSvmClientOrSkip, startSvmBuyerService, type SvmBuyerService } from '../support/solana/official.js'
import { SOLANA_ADAPTERS, solanaOption, solanaSellerConfig, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { rpc } from '../support/solana/transfer.js'
import { PAID_CONTENT } from '../conformance/harness.js'

const PRICE = 10_000n // 0.01 of a 6-decimal mint
const BASE58_SIGNATURE = /^[1-9A-HJ-NP-Za-km-z]{64,88}$/
const skip = requireSvmClientOrSkip('solana adapters')

let sol: SolanaStandIn
// One client process for the whole suite: @x402/svm and kit load once, not once per payment.
let client: SvmBuyerService
beforeAll(async () => {
  if (skip) return
  ;[sol, client] = await Promise.all([startSolanaStandIn(), startSvmBuyerService()])
})
afterAll(async () => {
  await client?.stop()
  await sol?.stop()
})

async function feeOf(signature: string): Promise<bigint> {
  const tx = await rpc<{ meta: { fee: number; err: unknown } }>(sol.url, 'getTransaction', [signature, { maxSupportedTransactionVersion: 0 }])
  expect(tx.meta.err).toBeNull()
  return BigInt(tx.meta.fee)
}

describe.skipIf(skip).each(SOLANA_ADAPTERS.map((h) => [h.name, h] as const))('%s: the official Solana client pays', (_name, harness) => {
  let seller: HttpSeller
  let payTo: SolanaKeypair
  beforeAll(async () => {
    payTo = await sol.newSeller()
    seller = await startOverHttp(harness, solanaSellerConfig(sol, payTo.address), [
      { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
    ])
  })
  afterAll(async () => {
    await seller?.close()
  })

  it('v2 and v1 at once: 200 each, settlement headers with base58 signatures, exact token deltas, the fee payer paid both fees', async () => {
    const [b2, b1] = [await sol.fundBuyer(), await sol.fundBuyer()]
    const before = { seller: (await sol.tokenBalance(payTo.address))!, fee: await sol.solBalance(sol.feePayer.address) }
    const opts = { rpcUrl: sol.url, asset: sol.mint }
    const [v2, v1] = await Promise.all([client.pay(seller.urlOf('/data'), b2, opts), client.pay(seller.urlOf('/data'), b1, { ...opts, v1: true })])

    expect(v2.status).toBe(200)
    expect(JSON.parse(v2.body)).toMatchObject({ content: PAID_CONTENT, payer: b2.address })
    expect(v2.paymentHeaders).toHaveProperty('PAYMENT-SIGNATURE')
    const s2 = decodeHeader<Record<string, unknown>>(v2.headers['payment-response']!)
    expect(s2).toMatchObject({ success: true, network: sol.network, payer: b2.address })
    expect(String(s2.transaction)).toMatch(BASE58_SIGNATURE)

    expect(v1.status).toBe(200)
    expect(JSON.parse(v1.body)).toMatchObject({ content: PAID_CONTENT, payer: b1.address })
    expect(v1.paymentHeaders).toHaveProperty('X-PAYMENT')
    expect(v1.headers['payment-response']).toBeUndefined()
    const s1 = decodeHeader<Record<string, unknown>>(v1.headers['x-payment-response']!)
    expect(s1).toMatchObject({ success: true, network: sol.v1Network, payer: b1.address })
    expect(String(s1.transaction)).toMatch(BASE58_SIGNATURE)
    expect(s1.transaction).not.toBe(s2.transaction)

    expect(await sol.tokenBalance(b2.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(b1.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + 2n * PRICE)
    const fees = (await feeOf(String(s2.transaction))) + (await feeOf(String(s1.transaction)))
    expect(await sol.solBalance(sol.feePayer.address)).toBe(before.fee - fees)
    expect(await sol.solBalance(b2.address)).toBe(0n)
  })
})
