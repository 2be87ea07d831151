import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller, type Seller } from './seller.js'

let chain: TestChain
let seller: Seller

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(chain, (app, gate) => {
    app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (req, res) => {
      res.json({ data: 'the goods', paidBy: req.payment?.payer })
    })
  })
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('the official v2 client (@x402/fetch + @x402/evm) pays a tollgate Express route', () => {
  it('gets 200, a PAYMENT-RESPONSE header, and moves exactly the price on chain', async () => {
    const buyer = chain.accounts.buyers[0]!
    const sellerAddress = chain.accounts.seller.address
    const [buyerBefore, sellerBefore] = [await chain.balanceOf(buyer.address), await chain.balanceOf(sellerAddress)]

    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const response = await pay(`${seller.url}/data`)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ data: 'the goods', paidBy: buyer.address })
    const header = response.headers.get('payment-response')
    expect(header).toBeTruthy()
    expect(response.headers.get('x-payment-response')).toBeNull()
    const settlement = decodeHeader<Record<string, unknown>>(header!)
    expect(settlement).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address, amount: '100000' })
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')

    expect(await chain.balanceOf(buyer.address)).toBe(buyerBefore - 100_000n)
    expect(await chain.balanceOf(sellerAddress)).toBe(sellerBefore + 100_000n)
    expect(await chain.transferCount()).toBe(1)
  })
})
