/**
 * Interop (a): the official seller stack (@x402/express paymentMiddleware, x402ResourceServer,
 * HTTPFacilitatorClient with auth headers) verifying and settling through tollgate's facilitator
 * server, paid by the official v2 client, on anvil. The official middleware has no replay guard
 * of its own: tollgate's facilitator is what keeps one proof from being served twice.
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { paymentMiddleware, x402ResourceServer } from '@x402/express'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { ExactEvmScheme } from '@x402/evm/exact/server'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startTestChain, type TestChain } from '../support/chain.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { decodeHeader, nowSeconds } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { freshBuyer, gasAccount, requirementAt, signedV2, snapshot, type V2Requirement } from './support/fixtures.js'
import { bearer, startTollgateFacilitator } from './support/tollgate-facilitator.js'

const PRICE = 10_000n
let chain: TestChain
let facilitator: TestServer
let seller: TestServer
let requirement: V2Requirement
const facilitatorCalls: string[] = []

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  facilitator = await startTollgateFacilitator(chain, (await gasAccount(chain)).key)
  const client = new HTTPFacilitatorClient({
    url: facilitator.url,
    createAuthHeaders: async () => {
      const headers = bearer()
      return { verify: headers, settle: headers, supported: headers }
    },
  })
  const counting = {
    verify: (...args: Parameters<HTTPFacilitatorClient['verify']>) => (facilitatorCalls.push('verify'), client.verify(...args)),
    settle: (...args: Parameters<HTTPFacilitatorClient['settle']>) => (facilitatorCalls.push('settle'), client.settle(...args)),
    getSupported: () => client.getSupported(),
  }
  const resourceServer = new x402ResourceServer(counting).register('eip155:84532', new ExactEvmScheme())
  const app = express()
  app.use(
    paymentMiddleware(
      {
        'GET /data': {
          accepts: {
            scheme: 'exact',
            network: 'eip155:84532',
            payTo: chain.accounts.seller.address,
            // The official server prices only its default assets from money strings; the test token is priced in atomic units.
            price: { amount: PRICE.toString(), asset: chain.token, extra: { name: 'USDC', version: '2' } },
          },
          description: 'paid data',
        },
      },
      resourceServer,
    ),
  )
  app.get('/data', (_req, res) => res.json({ content: 'PAID CONTENT' }))
  seller = await listenOnLoopback(createServer(app))
  requirement = await requirementAt(`${seller.url}/data`)
})

afterAll(async () => {
  await seller?.close()
  await facilitator?.close()
  await chain?.stop()
})

describe('the official seller on tollgate facilitator', () => {
  it('the official v2 client buys the resource: 200, PAYMENT-RESPONSE, one transfer', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${seller.url}/data`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'PAID CONTENT' })
    const settlement = decodeHeader<{ success: boolean; transaction: `0x${string}`; payer: string }>(res.headers.get('payment-response')!)
    expect(settlement).toMatchObject({ success: true, payer: buyer.address })
    expect((await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction })).status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before.seller + PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })

  it('one proof sent 10 times at once: every copy verifies, tollgate settles one, the content goes out once', async () => {
    const buyer = await freshBuyer(chain)
    const { header } = await signedV2(chain, requirement, buyer)
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    const settles = facilitatorCalls.filter((c) => c === 'settle').length
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
        return { status: res.status, text: await res.text() }
      }),
    )
    expect(answers.filter((a) => a.text.includes('PAID CONTENT'))).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(answers.filter((a) => a.status === 402)).toHaveLength(9)
    // The official middleware asked to settle every copy; only the facilitator's claim stopped them.
    expect(facilitatorCalls.filter((c) => c === 'settle').length - settles).toBeGreaterThan(1)
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })
})

describe('bad payments through the official seller and tollgate facilitator: 402, no content, no transfer', () => {
  it.each([
    ['a signature by another key', { signer: privateKeyToAccount(generatePrivateKey()) }, 'invalid_exact_evm_signature'],
    ['wrong recipient', { to: privateKeyToAccount(generatePrivateKey()).address }, 'invalid_exact_evm_recipient_mismatch'],
    ['expired', { validBefore: nowSeconds() - 1n }, 'invalid_exact_evm_payload_authorization_valid_before'],
    ['not valid yet', { validAfter: nowSeconds() + 120n }, 'invalid_exact_evm_payload_authorization_valid_after'],
    ['another amount', { value: PRICE - 1n }, 'invalid_exact_evm_payload_authorization_value_mismatch'],
    ['signed for another chain', { chainId: 8453 }, 'invalid_exact_evm_signature'],
    ['insufficient balance', { from: privateKeyToAccount(generatePrivateKey()) }, 'invalid_exact_evm_insufficient_balance'],
  ])('%s → 402 %s', async (_name, overrides, reason) => {
    const buyer = await freshBuyer(chain)
    const { header } = await signedV2(chain, requirement, buyer, overrides)
    const transfers = await chain.transferCount()
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
    const text = await res.text()
    expect(res.status).toBe(402)
    expect(text).not.toContain('PAID CONTENT')
    expect(decodeHeader<{ error?: string }>(res.headers.get('payment-required')!).error).toContain(reason)
    expect(await chain.transferCount()).toBe(transfers)
  })

  it('a nonce already used on chain → 402', async () => {
    const buyer = await freshBuyer(chain)
    const { header, payload } = await signedV2(chain, requirement, buyer)
    await chain.submitAuthorization(payload)
    const transfers = await chain.transferCount()
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(402)
    expect(await res.text()).not.toContain('PAID CONTENT')
    expect(decodeHeader<{ error?: string }>(res.headers.get('payment-required')!).error).toContain('invalid_exact_evm_nonce_already_used')
    expect(await chain.transferCount()).toBe(transfers)
  })
})
