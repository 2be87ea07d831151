/**
 * Solana facilitator interop, both ways, with the official @x402/svm client paying: a tollgate seller
 * settling through the official SVM facilitator (solanaFacilitator + httpFacilitator), and the official
 * seller (@x402/express) settling through tollgate's facilitator. Each payment moves the price once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { solanaFacilitator, solanaSettler } from '../../src/chains/solana/index.js'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { httpFacilitator, memoryStore, type TollgateConfig } from '../../src/index.js'
import { expressHarness } from '../conformance/harness-express.js'
import { serveWeb } from '../facilitator/support/serve-web.js'
import { requireSvmClientOrSkip, runSvmBuyer, startOfficialSvmFacilitator, startOfficialSvmSeller } from '../support/solana/official.js'
import { solanaOption, startOverHttp } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'

const skip = requireSvmClientOrSkip('solana facilitator interop')
const PRICE = 10_000n
const TOKEN = 'interop-facilitator-token-123'
let sol: SolanaStandIn
const stops: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  if (!skip) sol = await startSolanaStandIn()
})
afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
  await sol?.stop()
})

describe.skipIf(skip)('Solana facilitator interop', () => {
  it('a tollgate seller settles through the official SVM facilitator: 200, one transfer, its fee payer pays', async () => {
    const official = await startOfficialSvmFacilitator(sol.url, sol.feePayer)
    stops.push(() => official.stop())
    const payTo = await sol.newSeller()
    const settler = solanaFacilitator(httpFacilitator({ url: official.url }))
    const config = { payTo: payTo.address, settler, store: memoryStore() } as TollgateConfig
    const seller = await startOverHttp(expressHarness, config, [{ path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } }])
    stops.push(() => seller.close())
    expect((await settler.ready()).ok).toBe(true)
    const buyer = await sol.fundBuyer()
    const result = await runSvmBuyer(seller.urlOf('/data'), buyer, { rpcUrl: sol.url, asset: sol.mint })
    expect(result.status).toBe(200)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(PRICE)
    expect((await sol.history()).at(-1)?.feePayer).toBe(official.feePayer)
  })

  it("the official seller settles through tollgate's facilitator: 200, one transfer", async () => {
    const settler = solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 5_000, checkOnStart: false })
    const facilitator = await serveWeb(facilitatorHandler({ solana: { settler, networks: ['solana-devnet'] }, tokens: [TOKEN], store: memoryStore(), singleInstance: true }))
    stops.push(() => facilitator.close())
    const payTo = await sol.newSeller()
    const seller = await startOfficialSvmSeller({ facilitatorUrl: facilitator.url, rpcUrl: sol.url, payTo: payTo.address, asset: sol.mint, amount: PRICE, token: TOKEN })
    stops.push(() => seller.stop())
    const buyer = await sol.fundBuyer()
    const before = (await sol.history()).length
    const result = await runSvmBuyer(`${seller.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    expect(result.status).toBe(200)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(PRICE)
    expect((await sol.history()).length).toBe(before + 1)
  })
})
