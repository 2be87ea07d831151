/**
 * Route options are checked at setup, every problem at once: configuration often comes from JSON or
 * environment variables, where no type checker sees it (the `as never` casts stand for that).
 */
import { describe, expect, it } from 'vitest'
import { routeOptionProblems } from '../../src/config/validate-route.js'
import { ConfigurationError, createTollgate, localSettler, memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'44'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const paid = { amount: '0.10', network: 'base-sepolia' } as const
const packages = [
  { id: 'basic', calls: 100, days: 30, price: { amount: '1', network: 'base-sepolia' } },
  { id: 'pro', calls: 1000, days: 30, price: { amount: '50', network: 'base-sepolia' } },
]
const gate = createTollgate({ payTo, settler, store: memoryStore(), prepaid: prepaid({ secret: 's'.repeat(32), packages }) })

function problemsOf(options: unknown): string[] {
  try {
    gate.route(options as never)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return [...(error as ConfigurationError).problems]
  }
  throw new Error('expected a ConfigurationError')
}

describe('a settlement policy that is not exactly after-handler or before-handler', () => {
  it("settle: 'after' is refused at setup, naming the allowed values", () => {
    const problems = problemsOf({ ...paid, settle: 'after' })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^settle "after" is not a settlement policy; use 'after-handler' .* or 'before-handler'/)
  })

  it.each([['AFTER-HANDLER'], [''], [null], [true], [1], [{}]])('refuses settle: %j', (settle) => {
    expect(problemsOf({ ...paid, settle }).join('\n')).toMatch(/is not a settlement policy/)
  })

  it('builds the two real policies', () => {
    expect(gate.route({ ...paid, settle: 'after-handler' }).policy).toBe('after-handler')
    expect(gate.route({ ...paid, settle: 'before-handler' }).policy).toBe('before-handler')
    expect(gate.route(paid).policy).toBe('after-handler')
  })
})

describe('each kind of route problem', () => {
  it('an unknown key, with a guess at the typo and the allowed keys', () => {
    const [problem] = problemsOf({ ...paid, setle: 'before-handler' })
    expect(problem).toMatch(/^route: unknown option "setle" \(did you mean "settle"\?\); allowed: amount, network, asset, payTo, memo, scheme, max, assetTransferMethod, accepts, /)
    expect(problemsOf({ ...paid, color: 'red' })[0]).not.toMatch(/did you mean/)
  })

  it('hold: maxBytes a positive integer, overflow settle or refuse, nothing else', () => {
    const problems = problemsOf({ ...paid, hold: { maxBytes: 0, overflow: 'drop', maxbytes: 5 } }).join('\n')
    expect(problems).toMatch(/hold: unknown option "maxbytes" \(did you mean "maxBytes"\?\)/)
    expect(problems).toMatch(/hold.maxBytes 0 must be a positive integer/)
    expect(problems).toMatch(/hold.overflow "drop" must be 'settle' .* or 'refuse'/)
    expect(problemsOf({ ...paid, hold: 4096 })[0]).toMatch(/hold must be \{ maxBytes\?, overflow\? \}, not a number/)
    expect(problemsOf({ ...paid, hold: { maxBytes: 1.5 } })[0]).toMatch(/hold.maxBytes 1.5/)
    expect(gate.route({ ...paid, hold: { maxBytes: 1024, overflow: 'refuse' } }).policy).toBe('after-handler')
  })

  it('maxTimeoutSeconds an integer of at least 10', () => {
    for (const value of [9, 10.5, '60', -1]) expect(problemsOf({ ...paid, maxTimeoutSeconds: value })[0]).toMatch(/maxTimeoutSeconds .* must be an integer of at least 10/)
    expect(() => gate.route({ ...paid, maxTimeoutSeconds: 10 })).not.toThrow()
  })

  it('resource an absolute http(s) URL; description and mimeType strings', () => {
    expect(problemsOf({ ...paid, resource: '/data' })[0]).toMatch(/resource "\/data" is not an absolute http\(s\) URL/)
    expect(problemsOf({ ...paid, resource: 'ftp://example.com/x' })[0]).toMatch(/not an absolute http\(s\) URL/)
    expect(problemsOf({ ...paid, description: 5, mimeType: ['a'] })).toEqual(['description must be a string, not a number', 'mimeType must be a string, not an array'])
    expect(() => gate.route({ ...paid, resource: 'https://api.example.com/data', description: 'Data', mimeType: 'text/plain' })).not.toThrow()
  })

  it('an amount given as a JavaScript number is refused: floats cannot hold amounts exactly', () => {
    expect(problemsOf({ amount: 0.1, network: 'base-sepolia' })).toEqual([
      "amount 0.1 is a number; write it as a decimal string ('0.1') or { atomic: '...' }: floats cannot hold amounts exactly",
    ])
    expect(problemsOf({ amount: { atomic: 100 }, network: 'base-sepolia' })[0]).toMatch(/amount.atomic must be a string of digits or a bigint, not a number/)
    expect(problemsOf({ network: 'base-sepolia' })[0]).toMatch(/amount is missing/)
    expect(() => gate.route({ amount: 100_000n, network: 'base-sepolia' })).not.toThrow()
    expect(() => gate.route({ amount: { atomic: '100000' }, network: 'base-sepolia' })).not.toThrow()
  })

  it('accepts: a non-empty list of { amount, network } entries with no other keys, not mixed with a top-level amount', () => {
    expect(problemsOf({ accepts: [] })[0]).toMatch(/accepts must be a non-empty list .* not an empty list/)
    expect(problemsOf({ accepts: 'base' })[0]).toMatch(/not a string/)
    const problems = problemsOf({ accepts: [{ amount: '1' }, { ...paid, netwrok: 'base' }, null], amount: '2' })
    expect(problems).toEqual([
      'route: give either accepts: [...] or amount at the top level, not both (amount would be ignored)',
      "accepts[0].network is missing (e.g. 'base-sepolia')",
      'accepts[1]: unknown option "netwrok" (did you mean "network"?); allowed: amount, network, asset, payTo, memo, scheme, max, assetTransferMethod',
      "accepts[2] must be an object such as { amount: '0.10', network: 'base-sepolia' }, not null",
    ])
  })

  it('options that are not an object', () => {
    for (const options of [null, undefined, 'base', [paid]]) expect(problemsOf(options)[0]).toMatch(/^route options must be an object/)
  })
})

describe('prepaid on a route: true, false, or { cost, packages }', () => {
  it('cost a positive integer, packages a non-empty list of ids this seller sells', () => {
    expect(problemsOf({ ...paid, prepaid: { cost: 0 } })[0]).toMatch(/prepaid.cost 0 must be a positive integer/)
    expect(problemsOf({ ...paid, prepaid: { cost: 2.5 } })[0]).toMatch(/prepaid.cost 2.5/)
    expect(problemsOf({ ...paid, prepaid: { packages: [] } })[0]).toMatch(/prepaid.packages must be a non-empty list/)
    expect(problemsOf({ ...paid, prepaid: { packages: ['pro', 'gold', 'iron'] } })).toEqual([
      'prepaid.packages: "gold", "iron" are not packages; packages: basic, pro',
    ])
    expect(problemsOf({ ...paid, prepaid: { cots: 5 } })[0]).toMatch(/prepaid: unknown option "cots" \(did you mean "cost"\?\)/)
    expect(problemsOf({ ...paid, prepaid: 'yes' })[0]).toMatch(/prepaid must be true, false or \{ cost\?, packages\? \}, not a string/)
  })

  it('a cost no accepted package could ever pay is a setup error', () => {
    expect(problemsOf({ ...paid, prepaid: { cost: 200, packages: ['basic', 'pro'] } })).toEqual([
      'prepaid.cost 200 is more calls than package "basic" holds: its credentials could never pay here',
    ])
    expect(problemsOf({ ...paid, prepaid: { cost: 5000 } })[0]).toMatch(/more calls than package "basic", "pro" holds/)
    // Accepting every package, one that can pay is enough.
    expect(() => gate.route({ ...paid, prepaid: { cost: 200 } })).not.toThrow()
  })

  it('a prepaid route needs prepaid in the tollgate configuration', () => {
    const plain = createTollgate({ payTo, settler, store: memoryStore() })
    expect(() => plain.route({ ...paid, prepaid: { cost: 2 } })).toThrow(/no `prepaid` configuration/)
    expect(() => plain.route({ ...paid, prepaid: false })).not.toThrow()
  })
})

describe('several problems, one error', () => {
  it('lists every problem of a route once, shape and semantics together', () => {
    const problems = problemsOf({
      accepts: [{ amount: '0.0000001', network: 'base' }, { amount: '1', network: 'nowhere' }, { amount: 0.5, network: 'base' }],
      settle: 'later',
      hold: { overflow: 'stream' },
      maxTimeoutSeconds: 5,
      resource: 'data',
      prepaid: { packages: ['gold'] },
      extra: true,
    })
    expect(problems).toHaveLength(9)
    expect(new Set(problems).size).toBe(problems.length)
    for (const expected of [/unknown option "extra"/, /settle "later"/, /hold.overflow "stream"/, /maxTimeoutSeconds 5/, /resource "data"/, /accepts\[2\].amount 0.5 is a number/, /"gold" is not a package/, /more precision than the token's 6 decimals/, /unknown network "nowhere"/]) {
      expect(problems.join('\n')).toMatch(expected)
    }
  })

  it('routeOptionProblems answers the shape alone, for callers with options of their own', () => {
    expect(routeOptionProblems({ ...paid })).toEqual([])
    expect(routeOptionProblems({ ...paid, settle: 'after', hold: { maxBytes: -1 } })).toHaveLength(2)
  })
})
