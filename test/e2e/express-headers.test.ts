import type { RequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment, type ExactEvmPayload } from '../support/payments.js'
import { startSeller, type Seller } from './seller.js'

/** Headers set by middleware outside the paywall (CORS, request ids) are the seller's, whatever the payment's fate. */

let chain: TestChain
let seller: Seller
let spendFirst: ExactEvmPayload | undefined

const cors: RequestHandler = (_req, res, next) => {
  res.setHeader('access-control-allow-origin', 'https://app.example')
  res.setHeader('access-control-expose-headers', 'X-Request-Id')
  res.setHeader('x-request-id', 'req-1')
  next()
}

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(chain, (app, gate) => {
    app.use(cors)
    app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), async (_req, res) => {
      if (spendFirst) await chain.submitAuthorization(spendFirst)
      res.setHeader('x-handler', 'yes')
      res.json({ content: 'PAID CONTENT' })
    })
  })
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

async function pay(buyer: number) {
  const challenge = await fetch(`${seller.url}/data`)
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  const payload = await signAuthorization({ from: chain.accounts.buyers[buyer]!, to: chain.accounts.seller.address, value: 100_000n, token: chain.tokenInfo, chainId: chain.chainId })
  return { payload, header: encodeHeader(v2Payment(accepted, payload)) }
}

describe("outer middleware's headers", () => {
  it('stay on a paid answer, with the expose list extended rather than replaced', async () => {
    const { header } = await pay(0)
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const exposed = res.headers.get('access-control-expose-headers')!.split(', ')
    expect(exposed).toEqual(expect.arrayContaining(['X-Request-Id', 'PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE']))
  })

  it("survive a failed settlement (so a browser can read the 402), while the handler's headers do not", async () => {
    const { payload, header } = await pay(1)
    spendFirst = payload
    try {
      const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
      expect(res.status).toBe(402)
      expect(await res.text()).not.toContain('PAID CONTENT')
      expect(res.headers.get('x-handler')).toBeNull()
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
      expect(res.headers.get('x-request-id')).toBe('req-1')
      expect(res.headers.get('access-control-expose-headers')).toContain('PAYMENT-RESPONSE')
      expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(false)
    } finally {
      spendFirst = undefined
    }
  })
})
