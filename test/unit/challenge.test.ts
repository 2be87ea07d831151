import { describe, expect, it } from 'vitest'
import { createTollgate, decodePaymentHeader, localSettler, memoryStore, type RequestLike } from '../../src/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const gate = createTollgate({
  payTo,
  settler: localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }),
  store: memoryStore(),
  networks: [{ name: 'my-l2', chainId: 424242, asset: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'My USD', version: '1', decimals: 18 } }],
})

const get = (url: string, headers: Record<string, string> = {}, method = 'GET'): RequestLike => ({
  method,
  url,
  headers: { get: (name) => headers[name.toLowerCase()] ?? null },
})

describe('the 402 challenge speaks both generations', () => {
  const route = gate.route({
    accepts: [
      { amount: '$0.10', network: 'base-sepolia' },
      { amount: '0.25', network: 'base' },
      { amount: '1.5', network: 'my-l2' },
    ],
    description: 'Weather data',
  })

  it('carries a v2 PAYMENT-REQUIRED header listing every option in order', async () => {
    const decision = await route.evaluate(get('https://api.example.com/weather?city=Lisbon'))
    expect(decision.type).toBe('challenge')
    if (decision.type !== 'challenge') return
    expect(decision.status).toBe(402)
    const header = decodePaymentHeader(decision.headers['payment-required']!)
    expect(header.ok && header.value).toEqual({
      x402Version: 2,
      error: 'payment_required',
      resource: { url: 'https://api.example.com/weather?city=Lisbon', description: 'Weather data', mimeType: 'application/json' },
      accepts: [
        { scheme: 'exact', network: 'eip155:84532', amount: '100000', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } },
        { scheme: 'exact', network: 'eip155:8453', amount: '250000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo, maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2' } },
        { scheme: 'exact', network: 'eip155:424242', amount: '1500000000000000000', asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3', payTo, maxTimeoutSeconds: 300, extra: { name: 'My USD', version: '1' } },
      ],
    })
  })

  it('carries a v1 JSON body with absolute resource URLs, leaving out networks v1 does not know', async () => {
    const decision = await route.evaluate(get('https://api.example.com/weather'))
    if (decision.type !== 'challenge') throw new Error('expected a challenge')
    const body = decision.body as { x402Version: number; error: string; accepts: Record<string, unknown>[] }
    expect(body.x402Version).toBe(1)
    expect(body.error).toBe('payment_required')
    expect(body.accepts).toEqual([
      expect.objectContaining({ scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '100000', resource: 'https://api.example.com/weather', description: 'Weather data', mimeType: 'application/json', payTo, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', extra: { name: 'USDC', version: '2' } }),
      expect.objectContaining({ network: 'base', maxAmountRequired: '250000' }),
    ])
  })

  it('is not cacheable and exposes the payment headers to browsers', async () => {
    const decision = await route.evaluate(get('https://api.example.com/weather'))
    if (decision.type !== 'challenge') throw new Error('expected a challenge')
    expect(decision.headers['cache-control']).toBe('no-store')
    expect(decision.headers['content-type']).toMatch(/^application\/json/)
    expect(decision.headers['access-control-expose-headers']).toBe('PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-Prepaid-Remaining')
  })

  it('uses the configured resource URL when the seller sets one (behind a proxy)', async () => {
    const decision = await gate.route({ amount: '0.10', network: 'base', resource: 'https://public.example.com/data' }).evaluate(get('http://10.0.0.5:3000/data'))
    if (decision.type !== 'challenge') throw new Error('expected a challenge')
    expect((decision.body as { accepts: { resource: string }[] }).accepts[0]!.resource).toBe('https://public.example.com/data')
  })

  it('answers a CORS preflight without payment, allowing the payment headers', async () => {
    const decision = await route.evaluate(
      get('https://api.example.com/weather', { origin: 'https://app.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'payment-signature, content-type' }, 'OPTIONS'),
    )
    expect(decision.type).toBe('preflight')
    if (decision.type !== 'preflight') return
    expect(decision.status).toBe(204)
    expect(decision.headers['access-control-allow-origin']).toBe('https://app.example.com')
    const allowed = decision.headers['access-control-allow-headers']!.split(', ')
    expect(allowed).toEqual(expect.arrayContaining(['payment-signature', 'x-payment', 'access-control-expose-headers', 'content-type']))
  })
})
