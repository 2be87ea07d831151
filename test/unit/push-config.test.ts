import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { solanaPush } from '../../src/chains/solana/index.js'
import { ConfigurationError, createTollgate, evmPush, localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'

const payTo = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const settler = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const config = (extra: Partial<TollgateConfig> = {}): TollgateConfig => ({ payTo, settler, store: memoryStore(), ...extra })

function problemsOf(build: () => unknown): string[] {
  try {
    build()
  } catch (error) {
    if (error instanceof ConfigurationError) return [...error.problems]
    throw error
  }
  throw new Error('expected a ConfigurationError')
}

describe('push configuration', () => {
  it('lists every problem of evmPush options at once, never echoing an RPC URL', () => {
    const problems = problemsOf(() => evmPush({ maxAgeSeconds: 5, binding: 'maybe' as never, confirmations: 0, rpcUrl: 'ftp://key@host', colour: 1 } as never))
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unknown option "colour"/),
        expect.stringMatching(/maxAgeSeconds must be a whole number of seconds from 10 to 86400/),
        expect.stringMatching(/binding must be 'signature' \(default\) or 'none'/),
        expect.stringMatching(/confirmations must be a whole number/),
        'evmPush: rpcUrl must be an http(s) URL',
      ]),
    )
    expect(problems.join('\n')).not.toContain('key@host')
    expect(problemsOf(() => solanaPush({} as never))).toEqual(['solanaPush: rpcUrl is missing'])
  })

  it('refuses a push value that is not a setup, two setups of one family, and routes that cannot take pushes', () => {
    expect(problemsOf(() => createTollgate(config({ push: { rpcUrl: 'http://x' } as never })))).toEqual([
      "push must be made by evmPush({...}) from 'tollgate' or solanaPush({...}) from 'tollgate/solana'",
    ])
    expect(problemsOf(() => createTollgate(config({ push: [evmPush({ rpcUrl: 'http://x' }), evmPush({ rpcUrl: 'http://y' })] })))).toEqual([
      'push[1]: a second evm push setup; give one per chain family',
    ])
    const withoutPush = createTollgate(config())
    expect(problemsOf(() => withoutPush.route({ amount: '0.10', network: 'base-sepolia', push: true }))).toEqual([
      'route accepts pushed payments (push: true), but tollgate has no `push` configuration (evmPush({...}) or solanaPush({...}))',
    ])
    expect(problemsOf(() => withoutPush.route({ amount: '0.10', network: 'base-sepolia', push: 'yes' as never }))).toEqual([
      'push must be true or false (accept payments pushed on chain first), not "yes"',
    ])
    const solanaOnly = createTollgate(config({ push: solanaPush({ rpcUrl: 'http://127.0.0.1:9' }) }))
    expect(problemsOf(() => solanaOnly.route({ amount: '0.10', network: 'base-sepolia', push: true }))).toEqual([
      'route accepts pushed payments (push: true), but none of its networks has a push setup (configured: solana)',
    ])
    // No rpcUrl for push reads, and none on the (custom) network: said when the route is built.
    const asset = { address: payTo, name: 'Token', version: '1', decimals: 6 } as const
    const noRpc = createTollgate(config({ push: evmPush(), networks: [{ name: 'local', chainId: 31_337, asset }] }))
    expect(problemsOf(() => noRpc.route({ amount: '0.10', network: 'local', push: true }))).toEqual([
      "evmPush: no rpcUrl for network local; give rpcUrl or rpcUrls, or the network's rpcUrl in `networks`",
    ])
  })

  it('keeps push methods out of accepts and out of the discovery listing', async () => {
    const gate = createTollgate(config({ push: evmPush({ rpcUrl: 'http://127.0.0.1:9' }) }))
    const route = gate.route({ amount: '0.10', network: 'base-sepolia', push: true, resource: 'https://api.example.com/data' })
    expect(route.methods.map((m) => m.scheme)).toEqual(['exact', 'push'])
    expect(gate.listing().items[0]?.accepts.map((a) => a.scheme)).toEqual(['exact'])
    const decision = await route.evaluate({ method: 'GET', url: 'https://api.example.com/data', headers: new Headers() })
    expect(decision.type).toBe('challenge')
    if (decision.type === 'challenge') {
      expect(decision.headers['www-authenticate']).toMatch(/^x402 chain="base-sepolia" token="USDC" amount="0\.1" address="0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" asset="0x036CbD53842c5426634e7929541eC2318f3dCF7e" binding="eip191" max_age="900"$/)
    }
  })

  it('answers any Authorization: x402 value with a refusal or a challenge, never a pass and never a 500', async () => {
    const gate = createTollgate(config({ push: evmPush({ rpcUrl: 'http://127.0.0.1:9', requestTimeoutMs: 1_000 }) }))
    const route = gate.route({ amount: '0.10', network: 'base-sepolia', push: true })
    const hex = fc.stringMatching(/^0x[0-9a-fA-F]{60,68}$/)
    const value = fc.oneof(fc.string(), hex, hex.map((h) => `tx_hash="${h}" signature="${h}"`), fc.string().map((v) => `tx_hash="${v}"`), fc.string().map((v) => `chain=${v}`))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('x402 ', 'X402 ', 'x402\t', 'x402'), value, async (scheme, rest) => {
        let headers: Headers
        try {
          headers = new Headers({ authorization: scheme + rest })
        } catch {
          return // not a header value fetch would send
        }
        const decision = await route.evaluate({ method: 'GET', url: 'https://api.example.com/data', headers })
        expect(decision.type).not.toBe('pass')
        if (decision.type === 'reject') expect([400, 402, 403, 409, 431, 503]).toContain(decision.status)
      }),
      { numRuns: 300 },
    )
  })
})
