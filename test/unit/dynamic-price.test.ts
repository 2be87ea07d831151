/**
 * Dynamic prices in the core, without a server: the challenge states what the function returned
 * for this request (exactly, as atomic units), its answer is cached per URL and price, the body is
 * read once and bounded, and a failing function answers 500 without a challenge.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTollgate, localSettler, memoryStore, parseAmount, type PaymentDecision, type RequestLike } from '../../src/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const core = createTollgate({ payTo, settler: localSettler({ privateKey: `0x${'44'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }), store: memoryStore() })

function amountOf(decision: PaymentDecision): string {
  if (decision.type !== 'challenge') throw new Error(`expected a challenge, got ${decision.type}`)
  const required = JSON.parse(Buffer.from(decision.headers['payment-required']!, 'base64').toString()) as { accepts: { amount: string }[] }
  return required.accepts[0]!.amount
}

/** The body of a challenge or refusal (a pass has none). */
const bodyOf = (decision: PaymentDecision): unknown => ('body' in decision ? decision.body : undefined)

const get = (url: string, headers: Record<string, string> = {}): RequestLike => ({ method: 'GET', url, headers: new Headers(headers) })

describe('a dynamic price in the challenge', () => {
  it('property: the challenge states exactly the atomic amount of the price the function returned', async () => {
    let next = '0.01'
    const gate = core.route({ amount: () => next, network: 'base-sepolia' })
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.integer({ min: 0, max: 6 }), async (atomic, shift) => {
        const text = atomic.toString().padStart(shift + 1, '0')
        next = shift === 0 ? text : `${text.slice(0, -shift)}.${text.slice(-shift)}`
        expect(amountOf(await gate.evaluate(get('http://shop.test/p')))).toBe(parseAmount(next, 6).toString())
      }),
      { numRuns: 200 },
    )
  })

  it('calls the function once per request; one URL and price share one cached (frozen) answer', async () => {
    let calls = 0
    const gate = core.route({ amount: ({ header }) => (calls++, header('x-tier') === 'pro' ? '0.50' : '0.10'), network: 'base-sepolia' })
    const first = await gate.evaluate(get('http://shop.test/c', { 'x-tier': 'pro' }))
    const second = await gate.evaluate(get('http://shop.test/c', { 'x-tier': 'pro' }))
    const other = await gate.evaluate(get('http://shop.test/c'))
    expect(calls).toBe(3)
    expect([amountOf(first), amountOf(second), amountOf(other)]).toEqual(['500000', '500000', '100000'])
    expect(bodyOf(first)).toBe(bodyOf(second))
    expect(Object.isFrozen(bodyOf(first))).toBe(true)
  })

  it('a bare Web Request: body() reads a clone, so the request keeps its body; over maxBodyBytes is 413', async () => {
    const gate = core.route({ amount: async ({ body }) => ({ atomic: String((await body()).length * 1000) }), network: 'base-sepolia', maxBodyBytes: 8 })
    const request = new Request('http://shop.test/upload', { method: 'POST', body: 'abc' })
    expect(amountOf(await gate.evaluate(request))).toBe('3000')
    expect(await request.text()).toBe('abc')
    const large = await gate.evaluate(new Request('http://shop.test/upload', { method: 'POST', body: '123456789' }))
    expect(large).toMatchObject({ type: 'reject', status: 413, reason: 'invalid_payload' })
  })

  it('a request that cannot read its body fails closed with 500, no challenge', async () => {
    const gate = core.route({ amount: async ({ body }) => ({ atomic: String((await body()).length) }), network: 'base-sepolia' })
    const decision = await gate.evaluate({ method: 'POST', url: 'http://shop.test/x', headers: new Headers() })
    expect(decision).toMatchObject({ type: 'reject', status: 500, reason: 'invalid_configuration' })
    expect((decision as { headers: Record<string, string> }).headers['payment-required']).toBeUndefined()
  })

  it.each([
    ['rejects', () => Promise.reject(new Error('boom'))],
    ['returns zero', () => '0'],
    ['returns too many decimals', () => '0.0000001'],
    ['returns a payTo that is not an address', 'payTo'],
  ])('a function that %s → 500 invalid_configuration', async (_name, fn) => {
    const options = fn === 'payTo' ? { amount: '0.10', network: 'base-sepolia', payTo: () => 'nobody' as `0x${string}` } : { amount: fn as () => string, network: 'base-sepolia' }
    const decision = await core.route(options).evaluate(get('http://shop.test/f'))
    expect(decision).toMatchObject({ type: 'reject', status: 500, reason: 'invalid_configuration' })
  })

  it('a fixed-price route keeps its precomputed challenge: one answer object per URL', async () => {
    const gate = core.route({ amount: '0.10', network: 'base-sepolia' })
    const a = await gate.evaluate(get('http://shop.test/s'))
    const b = await gate.evaluate(get('http://shop.test/s'))
    expect(bodyOf(a)).toBe(bodyOf(b))
    expect(amountOf(a)).toBe('100000')
  })
})
