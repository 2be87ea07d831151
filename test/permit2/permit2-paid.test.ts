import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentResponseHeader } from '@x402/fetch'
import { startSeller, type Seller } from '../e2e/seller.js'
import { permit2Fetch, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

/**
 * The three forms an official v2 buyer pays with Permit2, end to end on anvil, with exact balance
 * deltas: `exact` by a buyer who approved Permit2, `exact` by a buyer with tokens only (the 402
 * offers eip2612GasSponsoring), and `upto` with a charge below the maximum.
 */
let chain: Permit2Chain
let seller: Seller

beforeAll(async () => {
  chain = await startPermit2Chain()
  seller = await startSeller(chain, (app, gate) => {
    const usdt = chain.permitTokenInfo
    app.get('/report', gate.paywall({ amount: '2.00', network: 'base-sepolia', asset: usdt }), (req, res) => {
      res.json({ report: 'quarterly', payer: req.payment?.payer, scheme: req.payment?.scheme })
    })
    app.get('/usdc', gate.paywall({ amount: '2.00', network: 'base-sepolia' }), (_req, res) => res.json({ ok: true }))
    app.post('/complete', gate.paywall({ scheme: 'upto', max: '0.50', network: 'base-sepolia', asset: usdt }), (req, res) => {
      req.payment?.charge?.(String(req.query.charge ?? '123456'))
      res.json({ tokens: 42 })
    })
  })
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('Permit2 payments with the official v2 client', () => {
  it('a 402 for a token without EIP-3009 offers Permit2 with the token domain and the gasless approval extension', async () => {
    const res = await fetch(`${seller.url}/report`)
    expect(res.status).toBe(402)
    const required = JSON.parse(Buffer.from(res.headers.get('payment-required')!, 'base64').toString('utf8'))
    expect(required.accepts).toEqual([
      expect.objectContaining({ scheme: 'exact', network: 'eip155:84532', amount: '2000000', asset: chain.permitToken, extra: { assetTransferMethod: 'permit2', name: 'Tether USD', version: '1' } }),
    ])
    expect(required.extensions.eip2612GasSponsoring.info).toEqual(expect.objectContaining({ version: '1' }))
  })

  it('exact: a buyer who approved Permit2 pays exactly the price', async () => {
    const buyer = chain.accounts.buyers[0]!
    await chain.approvePermit2(buyer)
    const before = { buyer: await chain.balanceOf(buyer.address, chain.permitToken), seller: await chain.balanceOf(chain.accounts.seller.address, chain.permitToken) }
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${seller.url}/report`)
    if (res.status !== 200) console.log(await res.clone().text())
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ report: 'quarterly', payer: buyer.address, scheme: 'exact' })
    const settled = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    expect(settled).toEqual(expect.objectContaining({ success: true, payer: buyer.address, amount: '2000000' }))
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settled.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    process.stdout.write(`gas per Permit2 exact settlement (approved): ${receipt.gasUsed}\n`)
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before.buyer - 2_000_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before.seller + 2_000_000n)
  })

  it('exact: a buyer with tokens and no approval pays through eip2612GasSponsoring (settleWithPermit)', async () => {
    const buyer = chain.accounts.buyers[1]!
    expect(await chain.allowance(buyer.address)).toBe(0n)
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${seller.url}/report`)
    expect(res.status).toBe(200)
    const settled = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settled.transaction as `0x${string}` })
    process.stdout.write(`gas per Permit2 exact settlement with EIP-2612 permit: ${receipt.gasUsed}\n`)
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 2_000_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(sellerBefore + 2_000_000n)
    // The permit approved exactly the amount, and the transfer consumed it.
    expect(await chain.allowance(buyer.address)).toBe(0n)
  })

  it('upto: the 402 names the maximum and the settling account; the buyer pays the charge, not the maximum', async () => {
    const challenge = await fetch(`${seller.url}/complete`, { method: 'POST' })
    const required = JSON.parse(Buffer.from(challenge.headers.get('payment-required')!, 'base64').toString('utf8'))
    expect(required.accepts[0]).toEqual(expect.objectContaining({ scheme: 'upto', amount: '500000', extra: expect.objectContaining({ assetTransferMethod: 'permit2', facilitatorAddress: chain.accounts.settler.address }) }))
    const buyer = chain.accounts.buyers[2]!
    await chain.approvePermit2(buyer)
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${seller.url}/complete?charge=123456`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ tokens: 42 })
    const settled = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    expect(settled).toEqual(expect.objectContaining({ success: true, amount: '123456', payer: buyer.address }))
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settled.transaction as `0x${string}` })
    process.stdout.write(`gas per upto settlement: ${receipt.gasUsed}\n`)
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 123_456n)
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(sellerBefore + 123_456n)
  })

  it('for comparison, the same client pays the EIP-3009 token on the same seller (gas per settlement printed)', async () => {
    const buyer = chain.accounts.buyers[3]!
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${seller.url}/usdc`)
    expect(res.status).toBe(200)
    const settled = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settled.transaction as `0x${string}` })
    process.stdout.write(`gas per EIP-3009 exact settlement: ${receipt.gasUsed}\n`)
    expect(receipt.status).toBe('success')
  })
})
