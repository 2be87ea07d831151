import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { startSeller, type Seller } from './seller.js'

// The v1 client lives in its own install (interop/v1-client, ~470 MB). CI installs it and sets
// CI=true, so there this suite cannot skip; elsewhere it skips with the reason printed.
const installed = v1ClientInstalled()
if (!installed) {
  if (process.env.CI) throw new Error('interop/v1-client is not installed: run `npm ci --prefix interop/v1-client`')
  process.stdout.write('SKIP interop-v1: the x402-fetch 1.2 client is not installed (npm ci --prefix interop/v1-client)\n')
}

let chain: TestChain
let seller: Seller

describe.skipIf(!installed)('the official v1 client (x402-fetch 1.2) pays a tollgate Express route', () => {
  beforeAll(async () => {
    chain = await startTestChain()
    seller = await startSeller(
      chain,
      (app, gate) => {
        app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (req, res) => {
          res.json({ data: 'the goods', version: req.payment?.x402Version })
        })
        // A route that also accepts a network v1 clients do not know: it must be left out of the v1 body.
        app.get('/multi', gate.paywall({
          accepts: [
            { amount: '0.05', network: 'devnet-l2' },
            { amount: '0.05', network: 'base-sepolia' },
          ],
        }), (_req, res) => res.json({ data: 'multi' }))
        // Its 402 carries the prepaid discovery field, which the v1 client must ignore.
        app.get('/prepaid-too', gate.paywall({ amount: '0.10', network: 'base-sepolia', prepaid: true }), (_req, res) => res.json({ data: 'either way' }))
      },
      {
        networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }, { name: 'devnet-l2', chainId: 31337, asset: chain.tokenInfo }],
        prepaid: prepaid({ secret: 'interop-v1-prepaid-secret-of-32-bytes+', packages: [{ id: 'p', calls: 5, days: 1, price: { amount: '0.10', network: 'base-sepolia' } }] }),
      },
    )
  })

  afterAll(async () => {
    await seller?.close()
    await chain?.stop()
  })

  it('gets 200, an X-PAYMENT-RESPONSE header, and moves exactly the price on chain', async () => {
    const buyer = chain.accounts.buyers[0]!
    const sellerAddress = chain.accounts.seller.address
    const [buyerBefore, sellerBefore] = [await chain.balanceOf(buyer.address), await chain.balanceOf(sellerAddress)]

    const result = await runV1Buyer(`${seller.url}/data`, chain.keys.buyers[0]!)
    if (isV1Error(result)) throw new Error(`v1 client failed: ${result.error}`)

    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ data: 'the goods', version: 1 })
    expect(result.headers['payment-response']).toBeUndefined()
    const settlement = decodeHeader<Record<string, unknown>>(result.headers['x-payment-response']!)
    expect(settlement).toMatchObject({ success: true, network: 'base-sepolia', payer: buyer.address, amount: '100000' })
    expect(result.paymentResponse).toMatchObject({ success: true, transaction: settlement.transaction })
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(buyerBefore - 100_000n)
    expect(await chain.balanceOf(sellerAddress)).toBe(sellerBefore + 100_000n)
  })

  it('pays a route that also accepts prepaid credentials (its 402 carries the discovery field)', async () => {
    const challenge = (await (await fetch(`${seller.url}/prepaid-too`)).json()) as { prepaid?: { packages: string } }
    expect(challenge.prepaid?.packages).toBe(`${seller.url}/prepaid/packages`)
    const result = await runV1Buyer(`${seller.url}/prepaid-too`, chain.keys.buyers[2]!)
    if (isV1Error(result)) throw new Error(`v1 client failed: ${result.error}`)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ data: 'either way' })
  })

  it('pays a route whose other option is on a network v1 does not know', async () => {
    const buyer = chain.accounts.buyers[1]!
    const before = await chain.balanceOf(buyer.address)
    const challenge = await fetch(`${seller.url}/multi`)
    const body = (await challenge.json()) as { accepts: { network: string }[] }
    expect(body.accepts.map((a) => a.network)).toEqual(['base-sepolia'])
    const v2 = decodeHeader<{ accepts: { network: string }[] }>(challenge.headers.get('payment-required')!)
    expect(v2.accepts.map((a) => a.network)).toEqual(['eip155:31337', 'eip155:84532'])

    const result = await runV1Buyer(`${seller.url}/multi`, chain.keys.buyers[1]!)
    if (isV1Error(result)) throw new Error(`v1 client failed: ${result.error}`)
    expect(result.status).toBe(200)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 50_000n)
  })
})
