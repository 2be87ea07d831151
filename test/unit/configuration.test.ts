import { describe, expect, it } from 'vitest'
import { ConfigurationError, createTollgate, localSettler, memoryStore, NetworkRegistry, requirePayment, evmExact, type Store } from '../../src/index.js'

const settler = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as ConfigurationError).problems
  }
  throw new Error('expected a ConfigurationError')
}

describe('NetworkRegistry', () => {
  it('resolves known networks by v1 name and CAIP-2 id, with USDC as default asset', () => {
    const registry = new NetworkRegistry()
    const byName = registry.resolve('base-sepolia')
    expect(registry.resolve('eip155:84532')).toBe(byName)
    expect(byName).toMatchObject({ chainId: 84532, v1Name: 'base-sepolia', caip2: 'eip155:84532' })
    expect(byName.asset).toEqual({ address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2', decimals: 6 })
    expect(registry.resolve('base').asset?.name).toBe('USD Coin')
    for (const name of ['avalanche', 'avalanche-fuji', 'polygon', 'polygon-amoy']) expect(registry.resolve(name).rpcUrl).toMatch(/^https:/)
  })

  it('adds custom networks (v2 only) and overrides known ones', () => {
    const token = { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const, name: 'My USD', version: '1', decimals: 18 }
    const registry = new NetworkRegistry([
      { name: 'my-l2', chainId: 424242, rpcUrl: 'http://127.0.0.1:8545', asset: token },
      { name: 'base-sepolia', rpcUrl: 'http://127.0.0.1:8546', asset: token },
    ])
    expect(registry.resolve('eip155:424242')).toMatchObject({ name: 'my-l2', chainId: 424242, asset: token })
    expect(registry.resolve('my-l2').v1Name).toBeUndefined()
    expect(registry.resolve('base-sepolia')).toMatchObject({ chainId: 84532, v1Name: 'base-sepolia', rpcUrl: 'http://127.0.0.1:8546', asset: token })
  })

  it('reports every problem of bad definitions at once', () => {
    const problems = problemsOf(
      () =>
        new NetworkRegistry([
          { name: 'no-chain' },
          { name: 'base', chainId: 1 },
          { name: 'bad-rpc', chainId: 5, rpcUrl: 'ftp://x' },
          { name: 'bad-token', chainId: 6, asset: { address: '0x1234' as `0x${string}`, name: '', version: '', decimals: 99 } },
        ]),
    )
    expect(problems.join('\n')).toMatch(/no-chain.*chainId/)
    expect(problems.join('\n')).toMatch(/"base" is chain 8453/)
    expect(problems.join('\n')).toMatch(/rpcUrl must be an http/)
    expect(problems.filter((p) => p.includes('bad-token'))).toHaveLength(4)
  })

  it('refuses definitions that are not named objects, as problems rather than TypeErrors', () => {
    expect(problemsOf(() => new NetworkRegistry([null, { chainId: 5 }, 'base'] as never))).toEqual([
      'networks[0] must be { name, chainId?, rpcUrl?, asset? } with a non-empty name',
      'networks[1] must be { name, chainId?, rpcUrl?, asset? } with a non-empty name',
      'networks[2] must be { name, chainId?, rpcUrl?, asset? } with a non-empty name',
    ])
    expect(problemsOf(() => new NetworkRegistry('base' as never))).toEqual(['networks must be a list of { name, chainId?, rpcUrl?, asset? }'])
  })

  it('names the known networks when one is unknown', () => {
    expect(() => new NetworkRegistry().resolve('base-goerli')).toThrow(/unknown network "base-goerli"; known: base, base-sepolia/)
  })
})

describe('tollgate configuration errors are thrown at setup, all at once', () => {
  it('refuses a bad payTo and a missing settler together', () => {
    const problems = problemsOf(() => createTollgate({ payTo: 'nobody' as `0x${string}`, settler: undefined as never }))
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/payTo "nobody"/)
    expect(problems[1]).toMatch(/settler is required/)
  })

  it('refuses bad route options with every problem listed', () => {
    const gate = createTollgate({ payTo, settler, store: memoryStore() })
    const problems = problemsOf(() =>
      gate.route({ accepts: [{ amount: '0.0000001', network: 'base' }, { amount: '1', network: 'nowhere' }, { amount: 0.1 as never, network: 'base-sepolia' }], maxTimeoutSeconds: 1 }),
    )
    expect(problems.join('\n')).toMatch(/more precision than the token's 6 decimals/)
    expect(problems.join('\n')).toMatch(/unknown network "nowhere"/)
    expect(problems.join('\n')).toMatch(/accepts\[2\].amount 0.1 is a number/)
    expect(problems.join('\n')).toMatch(/maxTimeoutSeconds/)
  })

  it('requirePayment needs methods, a settler for EVM, and an absolute resource URL', () => {
    expect(problemsOf(() => requirePayment({ amount: '1' }, [], { payTo }))).toContain('requirePayment needs at least one payment method')
    const problems = problemsOf(() => requirePayment({ amount: '1' }, [evmExact({ network: 'base' })], { payTo, resource: '/relative' }))
    expect(problems.join('\n')).toMatch(/need a settler/)
    expect(problems.join('\n')).toMatch(/resource "\/relative" is not an absolute URL/)
  })

  it('localSettler refuses a malformed key', () => {
    expect(() => localSettler({ privateKey: '0x1234' })).toThrow(ConfigurationError)
  })

  it('refuses the in-memory store under NODE_ENV=production unless the seller runs one instance', () => {
    const previous = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      expect(problemsOf(() => createTollgate({ payTo, settler }))[0]).toMatch(/in-memory store under NODE_ENV=production/)
      expect(problemsOf(() => createTollgate({ payTo, settler, store: memoryStore() }))[0]).toMatch(/singleInstance: true/)
      expect(() => createTollgate({ payTo, settler, singleInstance: true })).not.toThrow()
      // Any store that is not the in-memory one is taken as shared (a forwarding store stands in for Redis here).
      const inner = memoryStore()
      const shared: Store = {
        claim: (key, ttl) => inner.claim(key, ttl),
        release: (key) => inner.release(key),
        take: (key, limit, ttl, count) => inner.take(key, limit, ttl, count),
        giveBack: (key, count) => inner.giveBack(key, count),
        get: (key) => inner.get(key),
        put: (key, value, ttl) => inner.put(key, value, ttl),
      }
      expect(() => createTollgate({ payTo, settler, store: shared })).not.toThrow()
    } finally {
      process.env.NODE_ENV = previous
    }
  })
})
