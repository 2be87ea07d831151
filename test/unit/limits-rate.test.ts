import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors/tollgate-error.js'
import type { AuthorizeEvent, AuthorizeVerdict } from '../../src/hooks/hook-types.js'
import { normalizeVerdict } from '../../src/hooks/authorize-verdict.js'
import { forwardedFor } from '../../src/limits/client-ip.js'
import { windowSlot } from '../../src/limits/fixed-window.js'
import { rateLimits, type RateLimitsOptions } from '../../src/limits/index.js'
import { memoryStore } from '../../src/index.js'
import { StoreUnavailableError } from '../../src/errors/tollgate-error.js'
import type { Store } from '../../src/stores/store.js'

const request = (headers: Record<string, string> = {}) => new Request('http://seller.test/data', { headers })
const event = (payer: string | undefined, route = 'data', headers: Record<string, string> = {}): AuthorizeEvent => ({
  route,
  request: request(headers),
  payment: { x402Version: 2, scheme: 'exact', network: 'eip155:84532', asset: '0xa', amount: '10000', payTo: '0xb', ...(payer ? { payer } : {}) },
})
const PAYER = '0x1111111111111111111111111111111111111111'
const OTHER = '0x2222222222222222222222222222222222222222'

function limiter(options: Partial<RateLimitsOptions>, clock = { ms: 1_000_000 }) {
  return rateLimits({ store: memoryStore(), now: () => clock.ms, ...options }).hooks.authorize!
}
const allowed = (v: AuthorizeVerdict) => v === true

describe('rateLimits on one memory store', () => {
  it('per payer: exactly `requests` of 200 concurrent presentations pass; the rest are 429 rate_limited with Retry-After to the window end', async () => {
    const clock = { ms: 60_000 * 1000 + 15_500 }
    const authorize = limiter({ perPayer: { requests: 7, windowMs: 60_000 } }, clock)
    const verdicts = await Promise.all(Array.from({ length: 200 }, () => authorize(event(PAYER))))
    expect(verdicts.filter(allowed)).toHaveLength(7)
    // 44.5 s of the window left: rounded up.
    expect(verdicts.find((v) => !allowed(v))).toEqual({ allow: false, status: 429, reason: 'rate_limited', retryAfterSeconds: 45, message: expect.stringContaining('from this payer') })
    // Another payer has its own counter; the same payer in the next window starts afresh.
    expect(await authorize(event(OTHER))).toBe(true)
    clock.ms += 44_500
    expect(await authorize(event(PAYER))).toBe(true)
  })

  it('payer addresses count case-insensitively; payments naming no payer share one counter', async () => {
    const authorize = limiter({ perPayer: { requests: 1, windowMs: 10_000 } })
    expect(await authorize(event(PAYER))).toBe(true)
    expect(allowed(await authorize(event(PAYER.toUpperCase().replace('0X', '0x'))))).toBe(false)
    expect(await authorize(event(undefined))).toBe(true)
    expect(allowed(await authorize(event(undefined)))).toBe(false)
  })

  it('per address: requests whose address cannot be read share one counter, never go unlimited', async () => {
    const authorize = limiter({ perIp: { requests: 1, windowMs: 10_000, clientIp: forwardedFor() } })
    expect(await authorize(event(PAYER))).toBe(true)
    expect(await authorize(event(OTHER, 'data', { 'x-forwarded-for': 'garbage!' }))).toMatchObject({ status: 429, message: expect.stringContaining('from this address') })
    expect(await authorize(event(OTHER, 'data', { 'x-forwarded-for': '10.0.0.1' }))).toBe(true)
  })

  it('per route counts everyone together, per route label', async () => {
    const authorize = limiter({ perRoute: { requests: 2, windowMs: 10_000 } })
    expect(await authorize(event(PAYER, 'a'))).toBe(true)
    expect(await authorize(event(OTHER, 'a'))).toBe(true)
    expect(await authorize(event(OTHER, 'a'))).toMatchObject({ status: 429, message: expect.stringContaining('to this route') })
    expect(await authorize(event(OTHER, 'b'))).toBe(true)
  })

  it('a request one limit refuses gives back what it took from the others: only requests that passed every limit count', async () => {
    const store = memoryStore()
    const hooks = rateLimits({ store, now: () => 5_000, perIp: { requests: 1, windowMs: 10_000, clientIp: forwardedFor() }, perPayer: { requests: 1, windowMs: 10_000 }, perRoute: { requests: 3, windowMs: 10_000 } }).hooks
    expect(await hooks.authorize!(event(PAYER, 'data', { 'x-forwarded-for': '10.0.0.1' }))).toBe(true)
    // Same payer, new address: the address passes, the payer does not, and the address's unit goes back.
    expect(await hooks.authorize!(event(PAYER, 'data', { 'x-forwarded-for': '10.0.0.2' }))).toMatchObject({ status: 429 })
    expect(await store.get('tollgate:limits:ip:10000:0:10.0.0.2')).toBe('0')
    expect(await store.get('tollgate:limits:route:10000:0:data')).toBe('1')
    expect(await hooks.authorize!(event(OTHER, 'data', { 'x-forwarded-for': '10.0.0.2' }))).toBe(true)
  })

  it('a store that fails refuses (the gate answers 503 authorize_failed) and gives back what was taken', async () => {
    const inner = memoryStore()
    let takes = 0
    // The second take (the route's counter, after the payer's) meets a store that went away.
    const store: Store = {
      claim: (key, ttlMs) => inner.claim(key, ttlMs),
      release: (key) => inner.release(key),
      take: (...args) => (++takes === 2 ? Promise.reject(new Error('redis down')) : inner.take(...args)),
      giveBack: (key, count) => inner.giveBack(key, count),
      get: (key) => inner.get(key),
      put: (key, value, ttlMs) => inner.put(key, value, ttlMs),
    }
    const authorize = rateLimits({ store, now: () => 0, perPayer: { requests: 5, windowMs: 10_000 }, perRoute: { requests: 5, windowMs: 10_000 } }).hooks.authorize!
    await expect(authorize(event(PAYER))).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await inner.get(`tollgate:limits:payer:10000:0:${PAYER.toLowerCase()}`)).toBe('0')
  })
})

describe('rateLimits hook bound', () => {
  it('left at the default while every store call fits in it; raised to cover a slow store bound', () => {
    const store = memoryStore()
    expect(rateLimits({ store, perPayer: { requests: 1, windowMs: 1000 }, perRoute: { requests: 1, windowMs: 1000 } }).hooks.authorizeTimeoutMs).toBeUndefined()
    // Three takes and the give-backs, 2 s each at worst.
    const slow = rateLimits({ store, storeTimeoutMs: 2000, perPayer: { requests: 1, windowMs: 1000 }, perRoute: { requests: 1, windowMs: 1000 }, perIp: { requests: 1, windowMs: 1000, clientIp: () => undefined } })
    expect(slow.hooks.authorizeTimeoutMs).toBe(8100)
  })
})

describe('windowSlot', () => {
  it('Retry-After is the whole seconds to the window end, at least 1, and at most the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 0, max: 2 ** 44 }), (seconds, nowMs) => {
        const windowMs = seconds * 1000
        const slot = windowSlot({ requests: 1, windowMs }, nowMs)
        expect(slot.index).toBe(Math.floor(nowMs / windowMs))
        expect(slot.retryAfterSeconds).toBeGreaterThanOrEqual(1)
        expect(slot.retryAfterSeconds).toBeLessThanOrEqual(seconds)
        // Waiting that long always lands in a later window.
        expect(windowSlot({ requests: 1, windowMs }, nowMs + slot.retryAfterSeconds * 1000).index).toBeGreaterThan(slot.index)
      }),
    )
  })
})

describe('forwardedFor', () => {
  const read = (value: string | undefined, proxies?: number) => forwardedFor(proxies === undefined ? {} : { proxies })(request(value === undefined ? {} : { 'x-forwarded-for': value }))
  it('takes the entry the nearest trusted proxy wrote, never what the client put left of it', () => {
    expect(read('6.6.6.6, 203.0.113.7')).toBe('203.0.113.7')
    expect(read('6.6.6.6, 203.0.113.7, 10.0.0.5', 2)).toBe('203.0.113.7')
    expect(read('2001:DB8::1')).toBe('2001:db8::1')
  })
  it('a missing, short or malformed header gives no address', () => {
    expect(read(undefined)).toBeUndefined()
    expect(read('203.0.113.7', 2)).toBeUndefined()
    expect(read('not an ip!')).toBeUndefined()
    expect(read('1'.repeat(65))).toBeUndefined()
  })
})

describe('rateLimits options', () => {
  it('every problem at once, as a ConfigurationError', () => {
    let error: unknown
    try {
      rateLimits({ store: {} as Store, perPayer: { requests: 0, windowMs: 10 }, perIp: { requests: 1, windowMs: 1000 } as never, perRote: {} } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigurationError)
    const problems = (error as ConfigurationError).problems.join('\n')
    for (const part of ['perRote', 'store must be', 'perPayer.requests', 'perPayer.windowMs', 'perIp needs clientIp']) expect(problems).toContain(part)
    expect(() => rateLimits({ store: memoryStore() })).toThrow('at least one of perPayer, perIp, perRoute')
  })
})

describe('authorize verdict with retryAfterSeconds', () => {
  it('kept when a whole number of seconds from 1 to a day; otherwise dropped with a warning, still denying', () => {
    const warned: string[] = []
    const logger = { warn: (m: string) => void warned.push(m) }
    expect(normalizeVerdict({ allow: false, status: 429, retryAfterSeconds: 30 }, 'r', logger)).toMatchObject({ status: 429, retryAfterSeconds: 30 })
    for (const bad of [0, 1.5, -1, 86_401, '30']) {
      const decision = normalizeVerdict({ allow: false, status: 429, retryAfterSeconds: bad }, 'r', logger)
      expect(decision).toMatchObject({ allow: false, status: 429 })
      expect(decision).not.toHaveProperty('retryAfterSeconds')
    }
    expect(warned).toHaveLength(5)
  })
})
