/**
 * A route priced in a Token-2022 mint, paid by the official @x402/svm client: the client reads the
 * mint's program from the chain, tollgate checks the transfer against ATA(payTo, mint, Token-2022).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { requireSvmClientOrSkip, runSvmBuyer } from '../support/solana/official.js'
import { solanaSellerConfig, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type MintInfo, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const PRICE = 25_000n
const skip = requireSvmClientOrSkip('solana token-2022')

describe.skipIf(skip)('a Token-2022 mint', () => {
  let sol: SolanaStandIn
  let mint: MintInfo
  let payTo: SolanaKeypair
  let seller: HttpSeller
  beforeAll(async () => {
    sol = await startSolanaStandIn()
    mint = await sol.createMint({ tokenProgram: 'token-2022' })
    payTo = await sol.newSeller({ mint: mint.mint })
    const option = { amount: '0.025', network: sol.network, asset: { address: mint.mint, decimals: 6, tokenProgram: 'token-2022' as const } }
    seller = await startOverHttp(expressHarness, solanaSellerConfig(sol, payTo.address), [{ path: '/data', paywall: { accepts: [option] }, behavior: { kind: 'json' } }])
  })
  afterAll(async () => {
    await seller?.close()
    await sol?.stop()
  })

  it('the official client pays it: 200, exactly the price moved between the Token-2022 accounts', async () => {
    const buyer = await sol.fundBuyer({ mint: mint.mint })
    const result = await runSvmBuyer(seller.urlOf('/data'), buyer, { rpcUrl: sol.url, asset: mint.mint })
    expect(result.status).toBe(200)
    expect(result.body).toContain(PAID_CONTENT)
    expect(result.paymentResponse).toMatchObject({ success: true, network: sol.network, payer: buyer.address })
    expect(await sol.tokenBalance(buyer.address, mint.mint)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address, mint.mint)).toBe(PRICE)
  })

  it('the same transfer under the SPL Token program: 402 no_transfer_instruction (wrong program for the mint), nothing moves', async () => {
    const buyer = await sol.fundBuyer({ mint: mint.mint })
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer, { tokenProgram: sol.tokenProgram })
    const sent = (await sol.history()).length
    const res = await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })
    const text = await res.text()
    expect(res.status).toBe(402)
    expect(text).not.toContain(PAID_CONTENT)
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_exact_svm_payload_no_transfer_instruction' })
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address, mint.mint)).toBe(10_000_000n)
  })
})
