import express from 'express'
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer, signedV2, type V2Requirement } from '../support/payments.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller, type Seller } from './seller.js'

let chain: TestChain
let seller: Seller
const workspaces: Record<string, `0x${string}`> = {
  acme: privateKeyToAccount(generatePrivateKey()).address,
  globex: privateKeyToAccount(generatePrivateKey()).address,
}
const sellerLog: unknown[] = []

beforeAll(async () => {
  chain = await startTestChain()
  const logger = { error: (...args: unknown[]) => sellerLog.push(args), warn: () => undefined, info: () => undefined, debug: () => undefined }
  seller = await startSeller(
    chain,
    (app, gate) => {
      // Per API key: a sync function of a header.
      app.get('/priced', gate.paywall({ amount: ({ header }) => (header('x-api-key') === 'gold' ? '0.02' : '0.10'), network: 'base-sepolia' }), (req, res) => {
        res.json({ paid: req.payment?.amount })
      })
      // Per query, async.
      app.get('/query', gate.paywall({ amount: async ({ url }) => (url.searchParams.get('tier') === 'pro' ? '0.05' : '0.01'), network: 'base-sepolia' }), (req, res) => {
        res.json({ paid: req.payment?.amount })
      })
      // Per workspace: the payee is a function of the path.
      app.get('/workspace/:id', gate.paywall({ amount: '0.03', network: 'base-sepolia', payTo: ({ url }) => workspaces[url.pathname.split('/')[2]!]! }), (req, res) => {
        res.json({ payTo: req.payment?.payTo })
      })
      // Per body size: 1000 atomic units per byte, the body read once and still handed to the handler.
      app.post(
        '/upload',
        express.text({ type: '*/*' }),
        gate.paywall({ amount: async ({ body }) => ({ atomic: String(1000 * (await body()).length) }), network: 'base-sepolia', maxBodyBytes: 64 }),
        (req, res) => {
          res.json({ paid: req.payment?.amount, received: req.body })
        },
      )
      app.get('/broken', gate.paywall({ amount: () => { throw new Error('pricing database at 10.0.0.7 is down') }, network: 'base-sepolia' }), (_req, res) => {
        res.json({ served: true })
      })
      app.get('/float', gate.paywall({ amount: (() => 0.1) as never, network: 'base-sepolia' }), (_req, res) => {
        res.json({ served: true })
      })
    },
    { logger },
  )
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

async function challengeAt(path: string, init?: RequestInit): Promise<V2Requirement> {
  const response = await fetch(`${seller.url}${path}`, init)
  await response.arrayBuffer()
  expect(response.status).toBe(402)
  return decodeHeader<{ accepts: V2Requirement[] }>(response.headers.get('payment-required')!).accepts[0]!
}

describe('dynamic prices and payees', () => {
  it('announces the price computed from each request (per API key)', async () => {
    expect((await challengeAt('/priced', { headers: { 'x-api-key': 'gold' } })).amount).toBe('20000')
    expect((await challengeAt('/priced')).amount).toBe('100000')
    // Same URL, other prices: each is its own cached answer.
    expect((await challengeAt('/priced', { headers: { 'x-api-key': 'gold' } })).amount).toBe('20000')
  })

  it('the official v2 client pays the announced per-key price; exactly that moves on chain', async () => {
    const buyer = await freshBuyer(chain)
    const before = await chain.balanceOf(chain.accounts.seller.address)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const gold = await pay(`${seller.url}/priced`, { headers: { 'x-api-key': 'gold' } })
    expect(gold.status).toBe(200)
    expect(await gold.json()).toEqual({ paid: '20000' })
    const plain = await pay(`${seller.url}/priced`)
    expect(plain.status).toBe(200)
    expect(await plain.json()).toEqual({ paid: '100000' })
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - 120_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before + 120_000n)
  })

  it('a payment for a lower price than the retry request\'s own price → 402 value mismatch, nothing charged', async () => {
    const buyer = await freshBuyer(chain)
    const transfers = await chain.transferCount()
    const cheap = await challengeAt('/priced', { headers: { 'x-api-key': 'gold' } })
    const { header } = await signedV2(chain, cheap, buyer)
    const refused = await fetch(`${seller.url}/priced`, { headers: { 'payment-signature': header } })
    expect(refused.status).toBe(402)
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_exact_evm_payload_authorization_value_mismatch')
    expect(await chain.transferCount()).toBe(transfers)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n)
    // The same payment, for the request it was priced for, is still good: nothing was claimed.
    const paid = await fetch(`${seller.url}/priced`, { headers: { 'payment-signature': header, 'x-api-key': 'gold' } })
    expect(paid.status).toBe(200)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - 20_000n)
  })

  it('a v1 payment signed for another value is refused the same way (no accepted field: the signed value is checked)', async () => {
    const buyer = await freshBuyer(chain)
    const cheap = await challengeAt('/query?tier=free')
    const { payload } = await signedV2(chain, cheap, buyer)
    const { encodeHeader, v1Payment } = await import('../support/payments.js')
    const refused = await fetch(`${seller.url}/query?tier=pro`, { headers: { 'x-payment': encodeHeader(v1Payment('base-sepolia', payload)) } })
    expect(refused.status).toBe(402)
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_exact_evm_payload_authorization_value_mismatch')
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n)
  })

  it.skipIf(!v1ClientInstalled())('the official v1 client (x402-fetch) pays an async per-query price', async () => {
    const key = generatePrivateKey()
    const buyer = privateKeyToAccount(key)
    await chain.mint(buyer.address, 1_000_000n)
    const result = await runV1Buyer(`${seller.url}/query?tier=pro`, key)
    if (isV1Error(result)) throw new Error(result.error)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ paid: '50000' })
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - 50_000n)
  })

  it('a payTo function sends the funds to the workspace\'s address', async () => {
    const buyer = await freshBuyer(chain)
    expect((await challengeAt('/workspace/globex')).payTo).toBe(workspaces.globex)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const response = await pay(`${seller.url}/workspace/acme`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ payTo: workspaces.acme })
    expect(await chain.balanceOf(workspaces.acme!)).toBe(30_000n)
    expect(await chain.balanceOf(workspaces.globex!)).toBe(0n)
  })

  it('a body-size price reads the body once, bounded; the handler still gets it', async () => {
    expect((await challengeAt('/upload', { method: 'POST', body: 'twelve bytes' })).amount).toBe('12000')
    const buyer = await freshBuyer(chain)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const response = await pay(`${seller.url}/upload`, { method: 'POST', body: 'hello tollgate', headers: { 'content-type': 'text/plain' } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ paid: '14000', received: 'hello tollgate' })
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - 14_000n)
  })

  it('a body over maxBodyBytes → 413 before any price is computed, nothing charged', async () => {
    const response = await fetch(`${seller.url}/upload`, { method: 'POST', body: 'x'.repeat(65) })
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: string }).error).toBe('invalid_payload')
  })

  it('a price function that throws or returns a float → 500 invalid_configuration, no detail leaked, logged', async () => {
    for (const path of ['/broken', '/float']) {
      const response = await fetch(`${seller.url}${path}`)
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(JSON.parse(text)).toMatchObject({ error: 'invalid_configuration' })
      expect(text).not.toContain('10.0.0.7')
      expect(response.headers.get('payment-required')).toBeNull()
    }
    expect(JSON.stringify(sellerLog)).toContain('10.0.0.7')
  })
})
