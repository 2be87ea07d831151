import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createTollgate, localSettler, memoryStore, type RequestLike, type Store } from '../../src/index.js'
import { KeyRing } from '../../src/prepaid/credential-keys.js'
import { prepaid } from '../../src/prepaid/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'33'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const SECRET_A = 'a'.repeat(32)
const SECRET_B = 'b'.repeat(40)
const claims = { jti: 'credential-0001', sub: payTo, aud: 'tollgate:x', pkg: 'p', calls: 5, iat: 1_800_000_000, exp: 1_900_000_000 }

function problemsOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as ConfigurationError).problems.join('\n')
  }
  throw new Error('expected a ConfigurationError')
}

describe('prepaid configuration', () => {
  it('refuses secrets shorter than 32 bytes, duplicate key ids, and no key at all', () => {
    expect(problemsOf(() => new KeyRing([{ id: 'k', secret: 'short' }]))).toMatch(/5 bytes; secrets need at least 32/)
    expect(problemsOf(() => new KeyRing([{ id: 'k', secret: SECRET_A }, { id: 'k', secret: SECRET_B }]))).toMatch(/used twice/)
    expect(problemsOf(() => new KeyRing([]))).toMatch(/give `secret`/)
    // 32 characters of multi-byte text is more than 32 bytes: bytes are what count.
    expect(() => new KeyRing([{ id: 'k', secret: 'é'.repeat(16) }])).not.toThrow()
  })

  it('reports every bad package at once', () => {
    const problems = problemsOf(() =>
      createTollgate({
        payTo,
        settler,
        store: memoryStore(),
        prepaid: prepaid({
          secret: 'too-short',
          packages: [
            { id: 'a b', calls: 0, days: 0, price: { amount: '1', network: 'base' } },
            { id: 'ok', calls: 1.5, days: 1, price: { amount: '-1', network: 'base' } },
            { id: 'ok', calls: 1, days: 1, price: { amount: '1', network: 'nowhere' } },
          ],
        }),
      }),
    )
    for (const expected of [/secrets need at least 32/, /id must be/, /calls must be a positive integer/, /days must be/, /used twice/, /not a plain decimal/, /unknown network/]) {
      expect(problems).toMatch(expected)
    }
  })

  it('refuses malformed prepaid() options as problems, never a TypeError', () => {
    const build = (options: unknown) => problemsOf(() => createTollgate({ payTo, settler, store: memoryStore(), prepaid: prepaid(options as never) }))
    expect(build({ secret: SECRET_A, pakages: [] })).toMatch(/prepaid: unknown option "pakages" \(did you mean "packages"\?\)/)
    expect(build({ secret: SECRET_A, packages: {} })).toMatch(/define at least one package/)
    expect(build({ keys: [null], packages: [] })).toMatch(/prepaid.keys\[0\] must be \{ id, secret \}, not null/)
    expect(build({ secret: 42, packages: [] })).toMatch(/secret must be a string or bytes, not a number/)
    expect(build({ secret: SECRET_A, header: 'X Prepaid', packages: [] })).toMatch(/header must be an HTTP header name/)
    expect(build({ secret: SECRET_A, packages: [{ id: 'p', calls: 1, days: 1 }, 'basic'] })).toMatch(/prepaid package "p": price is missing[^]*prepaid package #2 must be/)
    expect(build(undefined)).toMatch(/prepaid\(options\) needs \{ secret, packages \}, not undefined/)
    expect(build({ secret: SECRET_A, packages: [] })).not.toContain(SECRET_A)
  })

  it('refuses plain options where prepaid() is expected', () => {
    expect(problemsOf(() => createTollgate({ payTo, settler, store: memoryStore(), prepaid: { secret: SECRET_A, packages: [] } as never }))).toMatch(/prepaid\(\{ secret, packages \}\) from 'tollgate\/prepaid'/)
  })

  it('refuses a prepaid route without a prepaid configuration', () => {
    const gate = createTollgate({ payTo, settler, store: memoryStore() })
    expect(problemsOf(() => gate.route({ amount: '0.10', network: 'base', prepaid: true }))).toMatch(/no `prepaid` configuration/)
  })
})

describe('key rotation', () => {
  it('signs with the first key and verifies with every key, by kid', () => {
    const before = new KeyRing([{ id: 'old', secret: SECRET_A }])
    const issuedBefore = before.sign(claims)
    const rotated = new KeyRing([{ id: 'new', secret: SECRET_B }, { id: 'old', secret: SECRET_A }])
    const issuedAfter = rotated.sign(claims)
    expect(jwt.decode(issuedAfter, { complete: true })?.header.kid).toBe('new')
    expect(rotated.verify(issuedBefore, 'tollgate:x', 1_850_000_000)).toMatchObject({ ok: true })
    expect(rotated.verify(issuedAfter, 'tollgate:x', 1_850_000_000)).toMatchObject({ ok: true })
    // Retiring the old key retires what it signed.
    const retired = new KeyRing([{ id: 'new', secret: SECRET_B }])
    expect(retired.verify(issuedBefore, 'tollgate:x', 1_850_000_000)).toMatchObject({ ok: false, reason: 'prepaid_unknown_key' })
  })

  it('rejects a token whose kid names one key but was signed with another', () => {
    const ring = new KeyRing([{ id: 'new', secret: SECRET_B }, { id: 'old', secret: SECRET_A }])
    const crossed = jwt.sign(claims, SECRET_A, { algorithm: 'HS256', keyid: 'new' })
    expect(ring.verify(crossed, 'tollgate:x', 1_850_000_000)).toMatchObject({ ok: false, reason: 'prepaid_invalid_signature' })
  })
})

describe('a prepaid call when the store cannot answer', () => {
  it('answers 503 store_unavailable and lets nothing through', async () => {
    const down: Store = {
      claim: () => Promise.reject(new Error('down')),
      release: async () => undefined,
      take: () => Promise.reject(new Error('down')),
      giveBack: async () => undefined,
      get: () => Promise.reject(new Error('down')),
      put: async () => undefined,
    }
    const gate = createTollgate({
      payTo,
      settler,
      store: down,
      prepaid: prepaid({ secret: SECRET_A, packages: [{ id: 'p', calls: 5, days: 1, price: { amount: '1', network: 'base' } }] }),
    })
    const route = gate.route({ amount: '0.10', network: 'base', prepaid: true })
    const token = new KeyRing([{ id: 'default', secret: SECRET_A }]).sign({ ...claims, aud: `tollgate:${payTo.toLowerCase()}`, exp: Math.floor(Date.now() / 1000) + 3600 })
    const request: RequestLike = { method: 'GET', url: 'http://127.0.0.1/data', headers: { get: (n) => (n === 'X-Prepaid-Credential' ? token : null) } }
    expect(await route.evaluate(request)).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })
  })
})
