import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, encodeJsonHeader, evmExact, localSettler, memoryStore, requirePayment, type RequestLike } from '../../src/index.js'

/**
 * Whatever a buyer puts in a payment header, the core answers with a decision: never a throw
 * (which an adapter would turn into a 500) and never a pass. The settler points at a closed port,
 * so anything that gets as far as the chain fails closed too.
 */
const gate = requirePayment({ amount: '0.10' }, [evmExact({ network: 'base-sepolia' })], {
  payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  settler: localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9', requestTimeoutMs: 500 }),
  store: memoryStore(),
})

const request = (headers: Record<string, string>): RequestLike => ({
  method: 'GET',
  url: 'http://127.0.0.1/data',
  headers: { get: (name) => headers[name.toLowerCase()] ?? null },
})

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}`)
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), hex(20), fc.bigInt({ min: 0n }).map(String))

/** Payloads shaped like real ones, with any field replaced by junk: the cases most likely to slip past a schema. */
const nearlyValid = fc.record({
  x402Version: fc.oneof(fc.constant(1), fc.constant(2), scalar),
  scheme: fc.oneof(fc.constant('exact'), scalar),
  network: fc.oneof(fc.constant('base-sepolia'), fc.constant('eip155:84532'), scalar),
  accepted: fc.oneof(
    fc.record({
      scheme: fc.oneof(fc.constant('exact'), scalar),
      network: fc.oneof(fc.constant('eip155:84532'), scalar),
      asset: fc.oneof(fc.constant('0x036CbD53842c5426634e7929541eC2318f3dCF7e'), scalar),
      amount: fc.oneof(fc.constant('100000'), scalar),
      payTo: fc.oneof(fc.constant('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'), scalar),
    }),
    scalar,
  ),
  payload: fc.oneof(
    fc.record({
      signature: fc.oneof(hex(65), scalar),
      authorization: fc.record({
        from: fc.oneof(hex(20), scalar),
        to: fc.oneof(fc.constant('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'), scalar),
        value: fc.oneof(fc.constant('100000'), scalar),
        validAfter: fc.oneof(fc.constant('0'), scalar),
        validBefore: fc.oneof(fc.constant('99999999999'), scalar),
        nonce: fc.oneof(hex(32), scalar),
      }),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  ),
})

describe('evaluate() on arbitrary payment headers', () => {
  it('property: near-valid payloads get a challenge/reject decision, never a throw or a pass', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyValid, fc.constantFrom('payment-signature', 'x-payment'), async (payload, header) => {
        const decision = await gate.evaluate(request({ [header]: encodeJsonHeader(payload) }))
        expect(decision.type).toBe('reject')
        if (decision.type === 'reject') expect([400, 402, 409, 503]).toContain(decision.status)
      }),
      { numRuns: 300 },
    )
  })

  it('property: arbitrary strings and JSON values never throw or pass', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.jsonValue().map(encodeJsonHeader)), async (value) => {
        const decision = await gate.evaluate(request({ 'payment-signature': value }))
        expect(['reject', 'challenge']).toContain(decision.type)
      }),
      { numRuns: 300 },
    )
  })
})

describe('requirePayment() on arbitrary settlement policies', () => {
  const build = (settle: unknown) =>
    requirePayment({ amount: '0.10' }, [evmExact({ network: 'base-sepolia' })], {
      payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      settler: localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }),
      store: memoryStore(),
      settle: settle as 'after-handler',
    })

  it('property: any value but the two policies is a ConfigurationError at setup; a gate that builds holds or settles first', () => {
    const policy = fc.oneof(
      fc.constantFrom('after-handler', 'before-handler', 'after', 'before', 'AFTER-HANDLER', ' after-handler', 'none', ''),
      fc.string({ maxLength: 20 }),
      fc.jsonValue({ maxDepth: 1 }),
    )
    fc.assert(
      fc.property(policy, (settle) => {
        let gate: ReturnType<typeof build> | undefined
        let error: unknown
        try {
          gate = build(settle)
        } catch (caught) {
          error = caught
        }
        if (settle === 'after-handler' || settle === 'before-handler') {
          expect(gate?.policy).toBe(settle)
        } else {
          expect(error).toBeInstanceOf(ConfigurationError)
          expect((error as ConfigurationError).problems.join('\n')).toMatch(/settle/)
        }
      }),
      { numRuns: 200 },
    )
    expect(build(undefined).policy).toBe('after-handler')
  })
})
