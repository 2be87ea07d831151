/**
 * No configuration can yield a pass that is neither held nor settled first: over arbitrary option
 * objects (random keys and values, valid ones mixed in), building a route either throws a
 * ConfigurationError or gives a gate whose policy is exactly one the bridges act on.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createTollgate, localSettler, memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'66'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const POLICIES = ['after-handler', 'before-handler']
const packages = [{ id: 'basic', calls: 100, days: 30, price: { amount: '1', network: 'base-sepolia' } }]

/** Mostly valid values, sometimes anything at all: so every mix of valid and invalid keys is reached. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown> = fc.anything()) =>
  fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: invalid, weight: 1 })
const policyLike = mostly(fc.constantFrom('after-handler', 'before-handler'), fc.oneof(fc.constantFrom('after', 'before', 'After-Handler', 'after-handler ', ''), fc.anything()))
const validish = {
  amount: mostly(fc.oneof(fc.constantFrom('0.10', '$1'), fc.bigInt({ min: 1n, max: 10n ** 8n }), fc.constant({ atomic: '100' })), fc.oneof(fc.constantFrom('0.0000001', '-1'), fc.double(), fc.anything())),
  network: mostly(fc.constantFrom('base-sepolia', 'eip155:84532', 'base'), fc.oneof(fc.constant('nowhere'), fc.anything())),
  settle: policyLike,
  hold: mostly(fc.record({ maxBytes: fc.integer({ min: 1, max: 1 << 24 }), overflow: fc.constantFrom('settle', 'refuse') }, { requiredKeys: [] }), fc.oneof(fc.record({ maxBytes: fc.integer({ min: -2, max: 0 }) }), fc.anything())),
  maxTimeoutSeconds: mostly(fc.integer({ min: 10, max: 1000 }), fc.oneof(fc.integer({ min: -5, max: 9 }), fc.anything())),
  resource: mostly(fc.constant('https://api.example.com/x'), fc.oneof(fc.constantFrom('/x', 'ftp://x'), fc.anything())),
  description: mostly(fc.string()),
  mimeType: mostly(fc.string()),
  prepaid: mostly(
    fc.oneof(fc.boolean(), fc.record({ cost: fc.integer({ min: 1, max: 100 }), packages: fc.constant(['basic']) }, { requiredKeys: [] })),
    fc.oneof(fc.record({ cost: fc.oneof(fc.integer({ min: -1, max: 0 }), fc.constant(101)), packages: fc.anything() }, { requiredKeys: [] }), fc.anything()),
  ),
}
const acceptEntry = mostly(fc.record({ amount: validish.amount, network: validish.network }))
const routeOptions = fc.oneof(
  fc.tuple(fc.record({ ...validish, accepts: mostly(fc.array(acceptEntry, { minLength: 1, maxLength: 3 })) }, { requiredKeys: [] }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 })).map(
    ([known, extra]) => ({ ...extra, ...known }),
  ),
  fc.record((({ amount, network, ...rest }) => ({ amount, network, ...rest }))(validish), { requiredKeys: ['amount', 'network'] }),
  fc.anything(),
)

function expectSafe(build: () => { policy: string }): void {
  let policy: string
  try {
    policy = build().policy
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return
  }
  expect(POLICIES).toContain(policy)
}

describe('no configuration yields a pass without a settlement', () => {
  const tollgate = createTollgate({ payTo, settler, store: memoryStore(), prepaid: prepaid({ secret: 's'.repeat(32), packages }) })

  it('route(options) throws ConfigurationError or gives a gate that holds or settles first', () => {
    fc.assert(
      fc.property(routeOptions, (options) => {
        expectSafe(() => tollgate.route(options as never))
        // A settle value the bridges do not know never builds.
        const settle = (options as { settle?: unknown } | null)?.settle
        if (settle !== undefined && !POLICIES.includes(settle as string)) expect(() => tollgate.route(options as never)).toThrow(ConfigurationError)
      }),
      { numRuns: 400 },
    )
  })

  it('so do defaults: createTollgate throws ConfigurationError, or its routes hold or settle first', () => {
    const defaults = fc.oneof(fc.record({ settle: validish.settle, hold: validish.hold, maxTimeoutSeconds: validish.maxTimeoutSeconds }, { requiredKeys: [] }), fc.anything())
    fc.assert(
      fc.property(defaults, fc.option(policyLike, { nil: undefined }), (given, settle) => {
        expectSafe(() => {
          const gate = createTollgate({ payTo, settler, store: memoryStore(), defaults: given as never })
          return gate.route({ amount: '0.10', network: 'base-sepolia', ...(settle === undefined ? {} : { settle: settle as never }) })
        })
      }),
      { numRuns: 200 },
    )
  })

  it('createTollgate over arbitrary configurations: a ConfigurationError or a tollgate, never another error', () => {
    const config = fc.record(
      {
        payTo: mostly(fc.constant(payTo)),
        settler: mostly(fc.constant(settler)),
        store: mostly(fc.constant(memoryStore())),
        storeTimeoutMs: mostly(fc.integer({ min: 1, max: 10_000 })),
        singleInstance: mostly(fc.boolean()),
        networks: mostly(fc.array(fc.record({ name: mostly(fc.constantFrom('base-sepolia', 'my-l2')), chainId: mostly(fc.constantFrom(84532, 4242)), rpcUrl: mostly(fc.constant('http://127.0.0.1:8545')) }, { requiredKeys: ['name'] }), { maxLength: 2 })),
        logger: mostly(fc.constant(console)),
        clock: mostly(fc.constant(Date.now)),
        maxPendingPerPayer: mostly(fc.integer({ min: 1, max: 100 })),
        prepaid: mostly(fc.constant(prepaid({ secret: 's'.repeat(32), packages }))),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(fc.oneof(config, fc.anything()), (given) => {
        try {
          createTollgate(given as never)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('hits both outcomes (the generators reach valid and invalid routes)', () => {
    const outcomes = new Set<string>()
    fc.assert(
      fc.property(routeOptions, (options) => {
        try {
          outcomes.add(tollgate.route(options as never).policy)
        } catch {
          outcomes.add('refused')
        }
      }),
      { numRuns: 400, seed: 7 },
    )
    expect([...outcomes].sort()).toEqual(['after-handler', 'before-handler', 'refused'])
  })
})
