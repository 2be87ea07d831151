import { describe, expect, it } from 'vitest'
import { evmExact, localSettler, requirePayment, type RequestLike, type Store } from '../../src/index.js'

/**
 * A store that throws or never answers, through the core. These are stand-ins for faults a real
 * memory store cannot have; the Redis suite causes them for real by stopping the server.
 */
const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'22'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const payment = Buffer.from(
  JSON.stringify({
    x402Version: 1,
    scheme: 'exact',
    network: 'base-sepolia',
    payload: {
      signature: `0x${'ab'.repeat(65)}`,
      authorization: { from: payTo, to: payTo, value: '100000', validAfter: '0', validBefore: '99999999999', nonce: `0x${'01'.repeat(32)}` },
    },
  }),
).toString('base64')
const request: RequestLike = { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: (n) => (n === 'x-payment' ? payment : null) } }

const rest = { giveBack: async () => undefined, get: async () => null, put: async () => undefined }

const gateWith = (store: Store) =>
  requirePayment({ amount: '0.10' }, [evmExact({ network: 'base-sepolia' })], { payTo, settler, store, storeTimeoutMs: 50 })

describe('the store cannot answer → 503 store_unavailable, nothing verified', () => {
  it('when it throws', async () => {
    const failing: Store = {
      claim: async () => Promise.reject(new Error('ECONNREFUSED')),
      release: async () => undefined,
      take: async () => null,
      ...rest,
    }
    const decision = await gateWith(failing).evaluate(request)
    expect(decision).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })
  })

  it('when it hangs past storeTimeoutMs', async () => {
    const hanging: Store = { claim: () => new Promise(() => undefined), release: async () => undefined, take: async () => null, ...rest }
    const decision = await gateWith(hanging).evaluate(request)
    expect(decision).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })
    expect((decision as { body: { message: string } }).body.message).toMatch(/nothing was charged/)
  })
})

describe('the store fails while a held payment is looked up for a pending settlement', () => {
  it('answers 503 store_unavailable, not 409 and not a throw', async () => {
    const held: Store = {
      claim: async () => false,
      release: async () => undefined,
      take: async () => null,
      giveBack: async () => undefined,
      get: async () => Promise.reject(new Error('ECONNRESET')),
      put: async () => undefined,
    }
    const decision = await gateWith(held).evaluate(request)
    expect(decision).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })
  })

  it('a held payment with no pending record is an ordinary replay: 409', async () => {
    const held: Store = { claim: async () => false, release: async () => undefined, take: async () => null, ...rest }
    expect(await gateWith(held).evaluate(request)).toMatchObject({ type: 'reject', status: 409, reason: 'payment_already_used' })
  })
})
