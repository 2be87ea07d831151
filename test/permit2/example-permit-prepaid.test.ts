import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentResponseHeader } from '@x402/fetch'
import { startPermitPrepaidServer, type PermitPrepaidServer } from '../../examples/permit-prepaid/server.js'
import { PERMIT2, permit2Fetch, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * The permit-prepaid example run for real: the x402_mock flow (pay by permit, get an access token)
 * with the official v2 client, by a buyer who approved Permit2 and by one with tokens only (EIP-2612
 * through the extension), then calls on the token; and its metered upto route.
 */
let chain: Permit2Chain
let server: PermitPrepaidServer

beforeAll(async () => {
  chain = await startPermit2Chain()
  server = await startPermitPrepaidServer({
    PAY_TO: chain.accounts.seller.address,
    SETTLER_PRIVATE_KEY: chain.keys.settler,
    RPC_URL: chain.rpcUrl,
    TOKEN_ADDRESS: chain.permitToken,
    TOKEN_NAME: chain.permitTokenInfo.name,
    TOKEN_VERSION: chain.permitTokenInfo.version,
    PREPAID_SECRET: 'example-prepaid-secret-at-least-32-bytes-long',
    PORT: '0',
  })
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

async function buyPackage(buyerIndex: number) {
  const buyer = chain.accounts.buyers[buyerIndex]!
  const before = await chain.balanceOf(buyer.address, chain.permitToken)
  const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${server.url}/prepaid/purchase?package=hundred`, { method: 'POST', headers: { 'idempotency-key': `purchase-${buyerIndex}-0123456789abcdef` } })
  expect(res.status).toBe(201)
  const body = (await res.json()) as { credential: string; calls: number }
  expect(body.calls).toBe(100)
  expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, payer: buyer.address })
  expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 5_000_000n)
  return { buyer, credential: body.credential }
}

describe('examples/permit-prepaid', () => {
  it('a buyer who approved Permit2 buys 100 calls and spends them with the access token, no payment per call', async () => {
    await chain.approvePermit2(chain.accounts.buyers[0]!)
    const { buyer, credential } = await buyPackage(0)
    const balance = await chain.balanceOf(buyer.address, chain.permitToken)
    const call = await fetch(`${server.url}/report`, { headers: { 'x-prepaid-credential': credential } })
    expect(call.status).toBe(200)
    expect(await call.json()).toMatchObject({ report: 'quarterly numbers', remaining: 99 })
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(balance)
  })

  it('a buyer with tokens and no ETH or approval buys through the EIP-2612 permit', async () => {
    expect(await chain.allowance(chain.accounts.buyers[1]!.address, PERMIT2)).toBe(0n)
    const { credential } = await buyPackage(1)
    const call = await fetch(`${server.url}/report`, { headers: { 'x-prepaid-credential': credential } })
    expect(call.status).toBe(200)
  })

  it('the metered route charges 0.06 of a 0.50 maximum', async () => {
    const buyer = chain.accounts.buyers[0]!
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${server.url}/complete`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, amount: '60000' })
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 60_000n)
  })
})
