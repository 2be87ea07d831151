import type { IncomingMessage } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { recoverTypedDataAddress, type Address, type PrivateKeyAccount } from 'viem'
import { startTestChain, type TestChain } from '../support/chain.js'
import { startServer, type TestServer } from '../support/http.js'
import { decodeHeader, encodeHeader, transferWithAuthorizationTypes, type ExactEvmPayload } from '../support/payments.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

interface SeenPayment {
  header: 'x-payment' | 'payment-signature'
  decoded: Record<string, unknown> & { payload: ExactEvmPayload }
}

let chain: TestChain
let server: TestServer
let seen: SeenPayment[]
/** What the throwaway endpoint answers without a payment; each test sets it. */
let challenge: (url: string) => { headers: Record<string, string>; body: string }

const FAKE_TX = `0x${'ab'.repeat(32)}`

function paymentOf(req: IncomingMessage): SeenPayment | undefined {
  for (const header of ['payment-signature', 'x-payment'] as const) {
    const value = req.headers[header]
    if (typeof value === 'string') return { header, decoded: decodeHeader(value) }
  }
  return undefined
}

async function signerOf(p: ExactEvmPayload, chainId: number): Promise<Address> {
  const a = p.authorization
  return recoverTypedDataAddress({
    domain: { name: 'USDC', version: '2', chainId, verifyingContract: chain.token },
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message: { ...a, value: BigInt(a.value), validAfter: BigInt(a.validAfter), validBefore: BigInt(a.validBefore) },
    signature: p.signature,
  })
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

beforeAll(async () => {
  chain = await startTestChain()
  server = await startServer((req, res) => {
    const url = `${server.url}${req.url ?? '/'}`
    const payment = paymentOf(req)
    if (!payment) {
      const { headers, body } = challenge(url)
      res.writeHead(402, { 'content-type': 'application/json', ...headers }).end(body)
      return
    }
    seen.push(payment)
    const settled = { success: true, transaction: FAKE_TX, network: payment.decoded['network'] ?? 'eip155:84532', payer: payment.decoded.payload.authorization.from }
    const name = payment.header === 'x-payment' ? 'X-PAYMENT-RESPONSE' : 'PAYMENT-RESPONSE'
    res.writeHead(200, { 'content-type': 'application/json', [name]: encodeHeader(settled) }).end('{"paid":true}')
  })
})
afterAll(async () => {
  await server?.close()
  await chain?.stop()
})
beforeEach(() => {
  seen = []
})

function v1Requirement(url: string, overrides: Record<string, unknown> = {}) {
  return {
    scheme: 'exact',
    network: 'base-sepolia',
    maxAmountRequired: '10000',
    resource: url,
    description: 'infra test',
    mimeType: 'application/json',
    payTo: chain.accounts.seller.address,
    maxTimeoutSeconds: 60,
    asset: chain.token,
    extra: { name: 'USDC', version: '2' },
    ...overrides,
  }
}

function v1Challenge(overrides: Record<string, unknown> = {}) {
  return (url: string) => ({
    headers: {},
    body: JSON.stringify({ x402Version: 1, error: 'X-PAYMENT header is required', accepts: [v1Requirement(url, overrides)] }),
  })
}

if (!v1ClientInstalled()) console.warn('skipping v1 buyer tests: run `npm ci --prefix interop/v1-client` first')

describe.skipIf(!v1ClientInstalled())('official v1 buyer (x402-fetch 1.2.0 via pay.mjs)', () => {
  it('answers a v1 402 body with an X-PAYMENT that settles on our token', async () => {
    const buyer = chain.accounts.buyers[0] as PrivateKeyAccount
    challenge = v1Challenge()
    const before = nowSeconds()
    const result = await runV1Buyer(`${server.url}/paid`, chain.keys.buyers[0]!)
    if (isV1Error(result)) throw new Error(result.error)

    expect(result.status).toBe(200)
    expect(result.body).toBe('{"paid":true}')
    expect(result.headers['content-type']).toBe('application/json')
    expect(result.paymentResponse).toMatchObject({ success: true, transaction: FAKE_TX, network: 'base-sepolia' })

    expect(seen).toHaveLength(1)
    const { header, decoded } = seen[0]!
    expect(header).toBe('x-payment')
    expect(decoded).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia' })
    const a = decoded.payload.authorization
    expect(a).toMatchObject({ from: buyer.address, to: chain.accounts.seller.address, value: '10000' })
    // x402 1.2.0 signs [now - 600, now + maxTimeoutSeconds].
    expect(Number(a.validAfter)).toBeGreaterThanOrEqual(before - 600)
    expect(Number(a.validAfter)).toBeLessThanOrEqual(nowSeconds() - 600)
    // Two Date.now() calls: a second boundary between them adds one.
    expect(Number(a.validBefore) - Number(a.validAfter)).toBeGreaterThanOrEqual(660)
    expect(Number(a.validBefore) - Number(a.validAfter)).toBeLessThanOrEqual(661)
    expect(await signerOf(decoded.payload, 84532)).toBe(buyer.address)

    await chain.submitAuthorization(decoded.payload)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(10_000n)
  })

  it('refuses above its 0.1 USDC default cap unless maxValue is raised', async () => {
    challenge = v1Challenge({ maxAmountRequired: '100001' })
    expect(await runV1Buyer(`${server.url}/pricey`, chain.keys.buyers[1]!)).toEqual({ error: 'Payment amount exceeds maximum allowed' })
    expect(seen).toHaveLength(0)

    const result = await runV1Buyer(`${server.url}/pricey`, chain.keys.buyers[1]!, 100_001n)
    expect(isV1Error(result) ? result.error : result.status).toBe(200)
    expect(seen[0]?.decoded.payload.authorization.value).toBe('100001')
  })

  it('rejects requirements its zod schema refuses (relative resource, CAIP-2 network)', async () => {
    challenge = v1Challenge({ resource: '/relative' })
    const relative = await runV1Buyer(`${server.url}/x`, chain.keys.buyers[1]!)
    expect(isV1Error(relative) && relative.error).toMatch(/Invalid url/)
    challenge = v1Challenge({ network: 'eip155:84532' })
    const caip = await runV1Buyer(`${server.url}/x`, chain.keys.buyers[1]!)
    expect(isV1Error(caip) && caip.error).toMatch(/Invalid enum value/)
    expect(seen).toHaveLength(0)
  })
})

describe('official v2 buyer (@x402/fetch 2.27 via makeV2Fetch)', () => {
  function v2Requirement() {
    return {
      scheme: 'exact',
      network: 'eip155:84532',
      amount: '20000',
      asset: chain.token,
      payTo: chain.accounts.seller.address,
      maxTimeoutSeconds: 90,
      extra: { name: 'USDC', version: '2' },
    }
  }

  it('reads PAYMENT-REQUIRED and pays our non-USDC token with a PAYMENT-SIGNATURE', async () => {
    const buyer = chain.accounts.buyers[2] as PrivateKeyAccount
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address)
    challenge = (url) => ({
      headers: {
        'PAYMENT-REQUIRED': encodeHeader({
          x402Version: 2,
          error: 'Payment required',
          resource: { url, description: 'infra test', mimeType: 'application/json' },
          accepts: [v2Requirement()],
        }),
      },
      body: '{}',
    })
    const before = nowSeconds()
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${server.url}/v2`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"paid":true}')

    expect(seen).toHaveLength(1)
    const { header, decoded } = seen[0]!
    expect(header).toBe('payment-signature')
    expect(decoded).toMatchObject({ x402Version: 2, accepted: v2Requirement(), resource: { url: `${server.url}/v2` } })
    const a = decoded.payload.authorization
    expect(a).toMatchObject({ from: buyer.address, to: chain.accounts.seller.address, value: '20000', validAfter: '0' })
    // @x402/evm 2.27 signs [0, now + maxTimeoutSeconds].
    expect(Number(a.validBefore)).toBeGreaterThanOrEqual(before + 90)
    expect(Number(a.validBefore)).toBeLessThanOrEqual(nowSeconds() + 90)
    expect(await signerOf(decoded.payload, 84532)).toBe(buyer.address)

    await chain.submitAuthorization(decoded.payload)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + 20_000n)
  })

  it('falls back to a v1 body and answers it with a v1 X-PAYMENT', async () => {
    const buyer = chain.accounts.buyers[3] as PrivateKeyAccount
    challenge = v1Challenge()
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${server.url}/v1-body`)
    expect(res.status).toBe(200)
    const { header, decoded } = seen[0]!
    expect(header).toBe('x-payment')
    expect(decoded).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia' })
    expect(Number(decoded.payload.authorization.validBefore) - Number(decoded.payload.authorization.validAfter)).toBe(660)
    expect(await signerOf(decoded.payload, 84532)).toBe(buyer.address)
  })

  it('honours the atomic cap given to makeV2Fetch', async () => {
    const buyer = chain.accounts.buyers[4] as PrivateKeyAccount
    challenge = v1Challenge()
    const capped = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, maxAmountPerPayment: 9_999n })
    await expect(capped(`${server.url}/capped`)).rejects.toThrow(/maxAmountPerPayment/)
    expect(seen).toHaveLength(0)
  })
})
