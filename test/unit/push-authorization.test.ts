import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatPushAuthorization, parsePushAuthorization, type PushCredentials } from '../../src/push/authorization-header.js'
import { pushChallenge, withPushChallenges } from '../../src/push/push-challenge.js'
import { readPushPayment } from '../../src/push/read-push.js'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const base58 = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...BASE58), minLength: min, maxLength: max })
const hexOf = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}`)
const mixedCase = (s: fc.Arbitrary<string>) => fc.tuple(s, fc.boolean()).map(([v, up]) => (up ? `0x${v.slice(2).toUpperCase()}` : v))
const txHash = fc.oneof(mixedCase(hexOf(32)), base58(64, 88))
const payer = fc.oneof(hexOf(20), base58(32, 44))
const chain = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:_-]{0,40}$/)
const signature = fc.oneof(hexOf(65), base58(64, 100))
const nonce = fc.stringMatching(/^[A-Za-z0-9._~-]{8,60}$/)
const credentials: fc.Arbitrary<PushCredentials> = fc.record(
  { txHash, payer, chain, signature, nonce },
  { requiredKeys: ['txHash'] },
)

describe('Authorization: x402 parser', () => {
  it('reads back every well-formed structured credential, whatever the separators and scheme case', () => {
    fc.assert(
      fc.property(credentials, fc.constantFrom('x402', 'X402', 'x402'), fc.constantFrom(' ', ', ', ',', '  ', '\t'), (c, scheme, sep) => {
        const text = formatPushAuthorization(c).replace(/^x402 /, `${scheme} `).replaceAll('" ', `"${sep}`)
        expect(parsePushAuthorization(text)).toEqual({ kind: 'credentials', credentials: c })
      }),
    )
  })

  it('reads the legacy form, the bare hash', () => {
    fc.assert(
      fc.property(txHash, (hash) => {
        expect(parsePushAuthorization(`x402 ${hash}`)).toEqual({ kind: 'credentials', credentials: { txHash: hash } })
      }),
    )
  })

  it('never throws, and answers every string with none, invalid (400/431) or credentials', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `x402 ${s}`), fc.string().map((s) => `x402 tx_hash=${s}`)), (text) => {
        const read = parsePushAuthorization(text)
        expect(['none', 'invalid', 'credentials']).toContain(read.kind)
        if (read.kind === 'invalid') expect([400, 431]).toContain(read.status)
        if (read.kind === 'credentials') expect(read.credentials.txHash.length).toBeGreaterThanOrEqual(64)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses any credential with one character of its hash replaced by a non-hash character', () => {
    fc.assert(
      fc.property(hexOf(32), fc.nat(63), fc.constantFrom('g', 'z', '"', ' ', 'x', '-', '='), (hash, at, ch) => {
        const broken = hash.slice(0, at + 2) + ch + hash.slice(at + 3)
        expect(parsePushAuthorization(`x402 tx_hash="${broken}"`).kind).toBe('invalid')
      }),
    )
  })

  it('takes other schemes for the seller API, not for payments', () => {
    for (const header of ['Bearer abc', 'Basic dXNlcjpwdw==', 'x4020 abc', 'x402abc', 'Digest x402=1', '']) {
      expect(parsePushAuthorization(header)).toEqual({ kind: 'none' })
    }
  })

  it('names what is wrong with malformed shapes', () => {
    const hash = `0x${'ab'.repeat(32)}`
    const cases: Array<[string, RegExp]> = [
      ['x402', /needs a transaction hash/],
      [`x402 tx_hash="${hash}" tx_hash="${hash}"`, /given twice/],
      [`x402 TX_HASH="${hash}" tx_hash="${hash}"`, /given twice/],
      [`x402 tx_hash="${hash}`, /no closing quote/],
      [`x402 tx_hash="${hash}" amount="1"`, /unknown parameter "amount"/],
      [`x402 chain="base"`, /tx_hash is missing/],
      [`x402 tx_hash=`, /empty or malformed value/],
      [`x402 tx_hash="${hash}"x`, /unexpected character/],
      [`x402 tx_hash="${hash}" nonce="short"`, /nonce must be/],
      [`x402 =x`, /malformed parameter/],
      [`x402 tx_hash`, /neither a transaction hash/],
      [`x402 ${'a'.repeat(9000)}`, /longer than/],
    ]
    for (const [header, detail] of cases) {
      const read = parsePushAuthorization(header)
      expect(read.kind, header).toBe('invalid')
      if (read.kind === 'invalid') expect(read.detail, header).toMatch(detail)
    }
  })

  it('carries the request method into the envelope the push methods inspect', () => {
    const hash = `0x${'ab'.repeat(32)}`
    const read = readPushPayment({ method: 'post', url: 'http://x/y', headers: new Headers({ authorization: `x402 tx_hash="${hash}" chain="base"` }) })
    expect(read).toEqual({ kind: 'payment', envelope: { x402Version: 2, scheme: 'push', network: 'base', payload: { credentials: { txHash: hash, chain: 'base' }, httpMethod: 'POST' } } })
    expect(readPushPayment({ method: 'GET', url: 'http://x/y', headers: new Headers({ authorization: 'Bearer t' }) })).toBeNull()
    expect(readPushPayment({ method: 'GET', url: 'http://x/y', headers: new Headers({ authorization: 'x402 nope' }) })).toMatchObject({ kind: 'invalid', status: 400, reason: 'invalid_payload' })
  })
})

describe('WWW-Authenticate x402 challenge', () => {
  it('quotes and escapes every value, and reads back through the same parameter grammar', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const text = pushChallenge({ chain: 'base', note: value })
        expect(text.startsWith('x402 chain="base" note="')).toBe(true)
        const unescaped = /note="((?:[^"\\]|\\.)*)"$/.exec(text)?.[1]?.replace(/\\(.)/g, '$1')
        expect(unescaped).toBe(value)
      }),
    )
  })

  it('adds WWW-Authenticate and exposes it, leaving every other header as it was', () => {
    const headers = { 'payment-required': 'abc', 'access-control-expose-headers': 'PAYMENT-REQUIRED' }
    expect(withPushChallenges(headers, [])).toBe(headers)
    expect(withPushChallenges(headers, ['x402 chain="a"', 'x402 chain="b"'])).toEqual({
      'payment-required': 'abc',
      'access-control-expose-headers': 'PAYMENT-REQUIRED, WWW-Authenticate',
      'www-authenticate': 'x402 chain="a", x402 chain="b"',
    })
  })
})
