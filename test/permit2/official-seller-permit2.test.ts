/**
 * Interop: the official seller stack (@x402/express paymentMiddleware, x402ResourceServer,
 * HTTPFacilitatorClient) settling Permit2 `exact` and `upto` payments through tollgate's facilitator
 * server, paid by the official v2 client, on anvil.
 */
import { createServer } from 'node:http'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { paymentMiddleware, setSettlementOverrides, x402ResourceServer } from '@x402/express'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { decodePaymentResponseHeader } from '@x402/fetch'
import { ExactEvmScheme } from '@x402/evm/exact/server'
import { UptoEvmScheme } from '@x402/evm/upto/server'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { httpFacilitator, localSettler, memoryStore } from '../../src/index.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { ANVIL_KEYS } from '../support/chain.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { permit2Fetch, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'
import { serveWeb } from '../facilitator/support/serve-web.js'

const TOKEN = 'caller-token-0123456789abcdef0123'
let chain: Permit2Chain
let facilitator: TestServer
let seller: TestServer
let tollgateSeller: Seller

beforeAll(async () => {
  chain = await startPermit2Chain()
  facilitator = await serveWeb(
    facilitatorHandler({
      settler: localSettler({ privateKey: ANVIL_KEYS[9]!, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
      networks: [{ name: 'base-sepolia', rpcUrl: chain.rpcUrl, asset: chain.permitTokenInfo }],
      tokens: [TOKEN],
      store: memoryStore(),
    }),
  )
  const headers = { authorization: `Bearer ${TOKEN}` }
  const client = new HTTPFacilitatorClient({ url: facilitator.url, createAuthHeaders: async () => ({ verify: headers, settle: headers, supported: headers }) })
  const resourceServer = new x402ResourceServer(client).register('eip155:84532', new ExactEvmScheme()).register('eip155:84532', new UptoEvmScheme())
  const price = (amount: string) => ({ amount, asset: chain.permitToken, extra: { assetTransferMethod: 'permit2', name: 'Tether USD', version: '1' } })
  const app = express()
  app.use(
    paymentMiddleware(
      {
        'GET /report': { accepts: { scheme: 'exact', network: 'eip155:84532', payTo: chain.accounts.seller.address, price: price('1000000') }, description: 'report' },
        'GET /metered': { accepts: { scheme: 'upto', network: 'eip155:84532', payTo: chain.accounts.seller.address, price: price('500000') }, description: 'metered' },
      },
      resourceServer,
    ),
  )
  app.get('/report', (_req, res) => res.json({ content: 'REPORT' }))
  app.get('/metered', (_req, res) => {
    setSettlementOverrides(res, { amount: '123456' })
    res.json({ content: 'METERED' })
  })
  seller = await listenOnLoopback(createServer(app))
  tollgateSeller = await startSeller(
    chain,
    (app2, gate) => {
      app2.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (_req, res) => res.json({ content: 'REPORT' }))
      app2.get('/metered', gate.paywall({ scheme: 'upto', max: '0.50', network: 'base-sepolia', asset: chain.permitTokenInfo }), (req, res) => {
        req.payment?.charge?.('$0.1')
        res.json({ content: 'METERED' })
      })
    },
    { settler: undefined, facilitator: httpFacilitator({ url: facilitator.url, headers: { authorization: `Bearer ${TOKEN}` } }) },
  )
})

afterAll(async () => {
  await tollgateSeller?.close()
  await seller?.close()
  await facilitator?.close()
  await chain?.stop()
})

describe('the official seller settles Permit2 payments through tollgate/facilitator', () => {
  it('/supported lists upto with the settling account and the gasless-approval extension', async () => {
    const res = await fetch(`${facilitator.url}/supported`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const supported = (await res.json()) as { kinds: { scheme: string; extra?: { facilitatorAddress?: string } }[]; extensions: string[] }
    expect(supported.kinds.find((k) => k.scheme === 'upto')?.extra?.facilitatorAddress).toBeDefined()
    expect(supported.extensions).toContain('eip2612GasSponsoring')
  })

  it('exact with Permit2: the buyer pays the price once', async () => {
    const buyer = chain.accounts.buyers[0]!
    await chain.approvePermit2(buyer)
    const before = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${seller.url}/report`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'REPORT' })
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, payer: buyer.address })
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before + 1_000_000n)
  })

  it('upto: the seller charges 123456 of a 500000 maximum', async () => {
    const buyer = chain.accounts.buyers[1]!
    await chain.approvePermit2(buyer)
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken])(`${seller.url}/metered`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'METERED' })
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, amount: '123456' })
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 123_456n)
  })
})

describe('a tollgate seller settles Permit2 payments through tollgate/facilitator (httpFacilitator)', () => {
  it('exact with Permit2 and upto with a $0.10 charge', async () => {
    const buyer = chain.accounts.buyers[2]!
    await chain.approvePermit2(buyer)
    const pay = permit2Fetch(buyer, chain, [chain.permitToken])
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const exact = await pay(`${tollgateSeller.url}/report`)
    expect(exact.status).toBe(200)
    const challenge = await fetch(`${tollgateSeller.url}/metered`)
    const required = JSON.parse(Buffer.from(challenge.headers.get('payment-required')!, 'base64').toString('utf8'))
    expect(required.accepts[0].extra.facilitatorAddress).toBe(privateKeyToAccount(ANVIL_KEYS[9]!).address)
    const upto = await pay(`${tollgateSeller.url}/metered`)
    expect(upto.status).toBe(200)
    expect(decodePaymentResponseHeader(upto.headers.get('payment-response')!)).toMatchObject({ success: true, amount: '100000' })
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 1_100_000n)
  })
})
