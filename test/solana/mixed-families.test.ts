/**
 * EVM and Solana side by side on one route (anvil for the EVM half, the stand-in for Solana), each
 * paid by its official client; and a payment of one family presented at a route that accepts only
 * the other is refused with 402 and a reason, moving nothing on either chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer, requirementAt, signedV2, type V2Requirement } from '../support/payments.js'
import { requireSvmClientOrSkip, runSvmBuyer } from '../support/solana/official.js'
import { solanaOption, standInSettler, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

const skipOfficial = requireSvmClientOrSkip('solana mixed families (official client)')
const SOL_PRICE = 10_000n
const EVM_PRICE = 10_000n

let chain: TestChain
let sol: SolanaStandIn
let solPayTo: SolanaKeypair
let seller: HttpSeller

beforeAll(async () => {
  ;[chain, sol] = await Promise.all([startTestChain(), startSolanaStandIn()])
  solPayTo = await sol.newSeller()
  const config = {
    payTo: { evm: chain.accounts.seller.address, solana: solPayTo.address },
    settler: {
      evm: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
      solana: standInSettler(sol),
    },
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  } satisfies TollgateConfig
  const evm = { amount: '0.01', network: 'base-sepolia' }
  seller = await startOverHttp(expressHarness, config, [
    { path: '/both', paywall: { accepts: [evm, solanaOption(sol)] }, behavior: { kind: 'json' } },
    { path: '/evm-only', paywall: { accepts: [evm] }, behavior: { kind: 'json' } },
    { path: '/sol-only', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
  ])
})
afterAll(async () => {
  await seller?.close()
  await Promise.all([chain?.stop(), sol?.stop()])
})

describe('one route, both families', () => {
  it('its 402 offers both: an EVM option and a Solana one naming the seller fee payer', async () => {
    const res = await fetch(seller.urlOf('/both'))
    expect(res.status).toBe(402)
    const required = decodeHeader<{ accepts: { network: string; payTo: string; asset: string; extra?: Record<string, unknown> }[] }>(res.headers.get('payment-required')!)
    expect(required.accepts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ network: 'eip155:84532', payTo: chain.accounts.seller.address }),
        expect.objectContaining({ network: sol.network, payTo: solPayTo.address, asset: sol.mint, extra: expect.objectContaining({ feePayer: sol.feePayer.address }) }),
      ]),
    )
  })

  it.skipIf(skipOfficial)('the official Solana client pays it in Solana; nothing moves on the EVM chain', async () => {
    const buyer = await sol.fundBuyer()
    const transfers = await chain.transferCount()
    const result = await runSvmBuyer(seller.urlOf('/both'), buyer, { rpcUrl: sol.url, asset: sol.mint })
    expect(result.status).toBe(200)
    expect(result.paymentResponse).toMatchObject({ success: true, network: sol.network })
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - SOL_PRICE)
    expect(await chain.transferCount()).toBe(transfers)
  })

  it('the official EVM client pays it in EVM; nothing moves on Solana', async () => {
    const buyer = await freshBuyer(chain)
    const solSeller = (await sol.tokenBalance(solPayTo.address))!
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(seller.urlOf('/both'))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain(PAID_CONTENT)
    expect(decodeHeader<{ network: string }>(res.headers.get('payment-response')!).network).toBe('eip155:84532')
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - EVM_PRICE)
    expect(await sol.tokenBalance(solPayTo.address)).toBe(solSeller)
  })
})

describe('a payment of the other family: 402 with a reason, nothing moves', () => {
  it('a Solana payment at the EVM-only route', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/both'), buyer)
    const [transfers, sent] = [await chain.transferCount(), (await sol.history()).length]
    const res = await fetch(seller.urlOf('/evm-only'), { headers: { 'payment-signature': header } })
    const text = await res.text()
    expect(res.status).toBe(402)
    expect(text).not.toContain(PAID_CONTENT)
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_network' })
    expect(await chain.transferCount()).toBe(transfers)
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n)
  })

  it('an EVM payment at the Solana-only route', async () => {
    const buyer = await freshBuyer(chain)
    const requirement = await requirementAt(seller.urlOf('/evm-only'))
    const { header } = await signedV2(chain, requirement as V2Requirement, buyer)
    const [transfers, sent] = [await chain.transferCount(), (await sol.history()).length]
    const res = await fetch(seller.urlOf('/sol-only'), { headers: { 'payment-signature': header } })
    const text = await res.text()
    expect(res.status).toBe(402)
    expect(text).not.toContain(PAID_CONTENT)
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_network' })
    expect(await chain.transferCount()).toBe(transfers)
    expect((await sol.history()).length).toBe(sent)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n)
  })
})
