/**
 * The request path's shortcuts (issue 17, framework overhead) keep the answers exactly as they were:
 * a 402 decided without an await is the same 402, a synchronous price prices like an asynchronous
 * one, a cached challenge never answers another route, URL or price, a bug still surfaces as a
 * rejection, a prepaid call's pass behaves as before, and hooks still run later, in order.
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { reportCompletion } from '../../adapters/node.js'
import { createTollgate, localSettler, memoryStore, type PaymentDecision, type PaymentPass, type RequestLike } from '../../src/index.js'
import { ChallengeCache } from '../../src/gate/challenge-cache.js'
import { createGateEvents } from '../../src/hooks/gate-events.js'
import { KeyRing } from '../../src/prepaid/credential-keys.js'
import { prepaid } from '../../src/prepaid/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'44'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const core = createTollgate({ payTo, settler, store: memoryStore() })

const get = (url: string, headers: Record<string, string> = {}): RequestLike => ({ method: 'GET', url, headers: new Headers(headers) })

interface Required {
  resource: { url: string }
  accepts: { amount: string }[]
}

function challengeOf(decision: PaymentDecision): { required: Required; body: unknown; headers: Record<string, string> } {
  if (decision.type !== 'challenge') throw new Error(`expected a challenge, got ${decision.type}`)
  const required = JSON.parse(Buffer.from(decision.headers['payment-required']!, 'base64').toString()) as Required
  return { required, body: decision.body, headers: decision.headers }
}

describe('a 402 decided without waiting', () => {
  it('a synchronous price and an asynchronous one give byte-identical challenges, each its own price', async () => {
    const prices: Record<string, string> = { gold: '0.02', silver: '0.05' }
    const sync = core.route({ amount: ({ header }) => prices[header('x-api-key') ?? ''] ?? '0.10', network: 'base-sepolia' })
    const async = core.route({ amount: async ({ header }) => prices[header('x-api-key') ?? ''] ?? '0.10', network: 'base-sepolia' })
    const amounts: string[] = []
    for (const key of ['gold', 'silver', 'none', 'gold']) {
      const a = challengeOf(await sync.evaluate(get('http://shop.test/data', { 'x-api-key': key })))
      const b = challengeOf(await async.evaluate(get('http://shop.test/data', { 'x-api-key': key })))
      expect(a.headers).toEqual(b.headers)
      expect(JSON.stringify(a.body)).toBe(JSON.stringify(b.body))
      amounts.push(a.required.accepts[0]!.amount)
    }
    expect(amounts).toEqual(['20000', '50000', '100000', '20000'])
  })

  it('a cached challenge answers only its own route, URL and price', async () => {
    const cheap = core.route({ amount: '0.01', network: 'base-sepolia' })
    const dear = core.route({ amount: '0.02', network: 'base-sepolia' })
    const url = 'http://shop.test/same'
    // Twice each, so the second answers come from the caches.
    for (let i = 0; i < 2; i++) {
      expect(challengeOf(await cheap.evaluate(get(url))).required.accepts[0]!.amount).toBe('10000')
      expect(challengeOf(await dear.evaluate(get(url))).required.accepts[0]!.amount).toBe('20000')
      expect(challengeOf(await cheap.evaluate(get('http://shop.test/other?q=1'))).required.resource.url).toBe('http://shop.test/other?q=1')
      expect(challengeOf(await cheap.evaluate(get(url))).required.resource.url).toBe(url)
    }
    const tiered = core.route({ amount: ({ header }) => (header('x-tier') === 'pro' ? '0.50' : '0.10'), network: 'base-sepolia' })
    const pro = challengeOf(await tiered.evaluate(get(url, { 'x-tier': 'pro' })))
    const basic = challengeOf(await tiered.evaluate(get(url)))
    expect(pro.body).not.toBe(basic.body)
    expect([pro.required.accepts[0]!.amount, basic.required.accepts[0]!.amount]).toEqual(['500000', '100000'])
    expect(challengeOf(await tiered.evaluate(get(url, { 'x-tier': 'pro' }))).body).toBe(pro.body)
  })

  it('a bug while deciding is a rejected promise, never a synchronous throw', async () => {
    const gate = core.route({ amount: '0.01', network: 'base-sepolia' })
    const broken: RequestLike = {
      method: 'GET',
      url: 'http://shop.test/data',
      headers: {
        get: () => {
          throw new TypeError('headers exploded')
        },
      },
    }
    let pending: Promise<PaymentDecision> | undefined
    expect(() => (pending = gate.evaluate(broken))).not.toThrow()
    await expect(pending).rejects.toThrow('headers exploded')
  })

  it('a price function that throws synchronously is 500 invalid_configuration, nothing challenged', async () => {
    const gate = core.route({
      amount: () => {
        throw new Error('no price table')
      },
      network: 'base-sepolia',
    })
    expect(await gate.evaluate(get('http://shop.test/data'))).toMatchObject({ type: 'reject', status: 500, reason: 'invalid_configuration' })
  })
})

describe('the cache of plain 402s', () => {
  it('serves an answer until its lifetime ends, holds at most its bound, and drops the oldest first', () => {
    let now = 1_000
    const cache = new ChallengeCache<object>(2, 2_000, () => now)
    const a = {}
    const b = {}
    cache.set('a', a)
    expect(cache.get('a')).toBe(a)
    now += 1_999
    expect(cache.get('a')).toBe(a)
    now += 1
    expect(cache.get('a')).toBeUndefined()
    cache.set('a', a)
    cache.set('b', b)
    cache.set('c', {})
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([undefined, b, 2])
    // Set again, a key becomes the newest.
    cache.set('b', b)
    cache.set('d', {})
    expect([cache.get('b'), cache.get('c'), cache.size]).toEqual([b, undefined, 2])
  })
})

describe('a prepaid call', () => {
  const secret = 'hot-path-prepaid-secret-of-at-least-32-bytes'
  const now = Math.floor(Date.now() / 1000)
  const credentialFor = (jti: string) =>
    new KeyRing([{ id: 'default', secret }]).sign({ jti, sub: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', aud: `tollgate:${payTo.toLowerCase()}`, pkg: 'p', calls: 10, iat: now, exp: now + 3600 })

  it('reports what is left, gives a failed call back once, and carries no internals a seller could log', async () => {
    const seller = createTollgate({ payTo, settler, store: memoryStore(), prepaid: prepaid({ secret, packages: [{ id: 'p', calls: 10, days: 1, price: { amount: '1', network: 'base-sepolia' } }] }) })
    const gate = seller.route({ amount: '0.01', network: 'base-sepolia', prepaid: true })
    const request = get('http://shop.test/data', { 'x-prepaid-credential': credentialFor('hot-path-credential-1') })

    const first = await gate.evaluate(request)
    if (first.type !== 'pass') throw new Error(`expected a pass, got ${first.type}`)
    expect(first.policy).toBe('before-handler')
    expect(first.payment.prepaid).toEqual({ credentialId: 'hot-path-credential-1', package: 'p', remaining: 9, expiresAt: new Date((now + 3600) * 1000).toISOString() })
    expect(await first.settle()).toEqual({ ok: true, headers: { 'x-prepaid-remaining': '9', 'access-control-expose-headers': expect.stringContaining('X-Prepaid-Remaining') } })
    expect(Object.keys(first).sort()).toEqual(['hold', 'payment', 'policy', 'type'])
    expect(JSON.stringify(first)).not.toContain(secret)

    // Failed three ways; the call comes back once.
    await first.complete?.(500)
    await first.complete?.(503)
    await first.abandon()
    const second = await gate.evaluate(request)
    expect(second.type === 'pass' && second.payment.prepaid?.remaining).toBe(9)
    if (second.type === 'pass') await second.complete?.(200)
    const third = await gate.evaluate(request)
    expect(third.type === 'pass' && third.payment.prepaid?.remaining).toBe(8)
  })
})

describe('watching hooks', () => {
  it('run after the current tick, in the order the events came, one failure not stopping the next', async () => {
    const heard: string[] = []
    const errors: string[] = []
    const events = createGateEvents({
      hooks: {
        onChallenge: (e) => {
          heard.push(`challenge ${e.route}`)
          throw new Error('boom')
        },
        onRejected: (e) => void heard.push(`rejected ${e.reason}`),
      },
      routeHooks: { onChallenge: () => void heard.push('route challenge') },
      route: '/r',
      logger: { error: (message: string) => void errors.push(message) },
    })
    const request = get('http://shop.test/r')
    events.challenge({ request })
    events.rejected({ request, status: 402, reason: 'invalid_payload' })
    events.challenge({ request })
    expect(heard).toEqual([])
    await Promise.resolve()
    expect(heard).toEqual(['challenge /r', 'route challenge', 'rejected invalid_payload', 'challenge /r', 'route challenge'])
    expect(errors).toHaveLength(2)
  })
})

describe('a settled-first pass reported when its response closes', () => {
  it('reports each pass on the response once, 500 when nothing was sent', () => {
    const res = new ServerResponse(new IncomingMessage(new Socket()))
    const heard: string[] = []
    const pass = (name: string) => ({ complete: async (status: number) => void heard.push(`${name} ${status}`) }) as unknown as PaymentPass
    // Two paywalls on one route, both settled first.
    reportCompletion(res, pass('first'))
    reportCompletion(res, pass('second'))
    res.emit('close')
    res.emit('close')
    expect(heard).toEqual(['first 500', 'second 500'])
  })
})
