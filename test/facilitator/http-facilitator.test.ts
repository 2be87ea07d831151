/**
 * The facilitator client on the wire, against a recording double (no chain needed): the reference
 * bodies of both generations, per-request headers from a hook, /supported read lazily and cached,
 * bounded retries for /verify, none ever for /settle, and configuration checks.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTollgate, httpFacilitator, localSettler, type ConfigurationError, type FacilitatorCall, type FacilitatorRequest } from '../../src/index.js'
import { startStubFacilitator, type StubFacilitator } from './support/stub-facilitator.js'

const supported = { kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }], extensions: [], signers: {} }
const requirement = { scheme: 'exact', network: 'eip155:84532', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', amount: '10000', payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } }
const request: FacilitatorRequest = {
  x402Version: 2,
  paymentPayload: { x402Version: 2, accepted: requirement, payload: { signature: '0x00', authorization: {} } },
  paymentRequirements: requirement,
}

const stubs: StubFacilitator[] = []
afterEach(async () => {
  while (stubs.length > 0) await stubs.pop()!.close()
})

async function recording(routes: Parameters<typeof startStubFacilitator>[0]) {
  const bodies: unknown[] = []
  const wrap = (route: NonNullable<(typeof routes)['verify']>) => (body: unknown) => (bodies.push(body), route(body))
  const stub = await startStubFacilitator(Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, wrap(v!)])))
  stubs.push(stub)
  return { stub, bodies }
}

describe('httpFacilitator', () => {
  it('posts exactly {x402Version, paymentPayload, paymentRequirements} to /verify and /settle and reads the answers', async () => {
    const { stub, bodies } = await recording({
      verify: () => ({ status: 200, body: { isValid: true, payer: '0xabc', invalidReason: null } }),
      settle: () => ({ status: 200, body: { success: true, transaction: '0x01', network: 'eip155:84532', errorReason: null } }),
    })
    const client = httpFacilitator({ url: `${stub.url}/` })
    expect(await client.verify(request)).toEqual({ ok: true, value: { isValid: true, payer: '0xabc' } })
    expect(await client.settle(request)).toEqual({ kind: 'answer', response: { success: true, transaction: '0x01', network: 'eip155:84532' } })
    expect(bodies).toEqual([request, request])
  })

  it('takes headers from a hook, per request, told the path, method, URL and body (how a CDP JWT is made)', async () => {
    const seen: FacilitatorCall[] = []
    const { stub } = await recording({
      supported: () => ({ status: 200, body: supported }),
      verify: () => ({ status: 200, body: { isValid: false, invalidReason: 'x' } }),
    })
    const client = httpFacilitator({ url: stub.url, headers: (call) => (seen.push(call), { authorization: `Bearer for-${call.path}` }) })
    await client.supported()
    await client.verify(request)
    expect(seen).toEqual([
      { path: 'supported', method: 'GET', url: `${stub.url}/supported` },
      { path: 'verify', method: 'POST', url: `${stub.url}/verify`, body: JSON.stringify(request) },
    ])
  })

  it('reads /supported lazily, caches an answer, and never caches a failure', async () => {
    let up = false
    const { stub } = await recording({ supported: () => (up ? { status: 200, body: supported } : { status: 503, body: 'down' }) })
    const client = httpFacilitator({ url: stub.url, retries: 0 })
    expect(stub.calls.supported ?? 0).toBe(0)
    expect((await client.supported()).ok).toBe(false)
    up = true
    expect(await client.supported()).toEqual({ ok: true, value: supported })
    await Promise.all([client.supported(), client.supported(), client.supported()])
    expect(stub.calls.supported).toBe(2)
  })

  it('retries /verify a bounded number of times; a non-2xx answer carrying isValid is a verdict, not retried', async () => {
    const { stub } = await recording({ verify: () => ({ status: 500, body: 'oops' }) })
    const result = await httpFacilitator({ url: stub.url, retries: 2 }).verify(request)
    expect(result.ok).toBe(false)
    expect(stub.calls.verify).toBe(3)
    const { stub: verdict } = await recording({ verify: () => ({ status: 400, body: { isValid: false, invalidReason: 'invalid_payload' } }) })
    expect(await httpFacilitator({ url: verdict.url, retries: 2 }).verify(request)).toEqual({ ok: true, value: { isValid: false, invalidReason: 'invalid_payload' } })
    expect(verdict.calls.verify).toBe(1)
  })

  it('never retries /settle, and tells refused (nothing done) from unknown (may have settled)', async () => {
    const { stub } = await recording({ settle: () => ({ status: 500, body: 'oops' }) })
    expect(await httpFacilitator({ url: stub.url, retries: 5 }).settle(request)).toMatchObject({ kind: 'unknown', status: 502 })
    expect(stub.calls.settle).toBe(1)
    const { stub: slow } = await recording({ settle: () => ({ hang: true }) })
    expect(await httpFacilitator({ url: slow.url, settleTimeoutMs: 200 }).settle(request)).toMatchObject({ kind: 'unknown', status: 503 })
    const { stub: unauthorized } = await recording({ settle: () => ({ status: 401, body: { error: 'unauthorized' } }) })
    expect(await httpFacilitator({ url: unauthorized.url }).settle(request)).toMatchObject({ kind: 'refused' })
    const closed = await startStubFacilitator({})
    await closed.close()
    expect(await httpFacilitator({ url: closed.url }).settle(request)).toMatchObject({ kind: 'refused' })
  })

  it('refuses bad options, and tollgate takes exactly one of settler and facilitator', () => {
    expect(() => httpFacilitator({ url: 'ftp://x', timeoutMs: -1, retries: 9 })).toThrow(/url.*\n.*timeoutMs.*\n.*retries/)
    const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    const facilitator = httpFacilitator({ url: 'http://127.0.0.1:9' })
    const settler = localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
    const problems = (config: object) => {
      try {
        createTollgate({ payTo, ...config })
        return []
      } catch (error) {
        return [...(error as ConfigurationError).problems]
      }
    }
    expect(problems({ settler, facilitator })[0]).toMatch(/either settler .* or facilitator/)
    expect(problems({})[0]).toMatch(/settler is required.*or a facilitator/)
    expect(problems({ facilitator: [] })[0]).toMatch(/facilitator must be/)
    expect(problems({ facilitator: [facilitator, facilitator] })).toEqual([])
    // Routes build without contacting the facilitator: one that is down cannot stop a seller from starting.
    expect(() => createTollgate({ payTo, facilitator }).route({ amount: '0.01', network: 'base-sepolia' })).not.toThrow()
  })
})

describe('httpFacilitator requests that never leave', () => {
  it('a headers hook that throws, or returns a header fetch refuses, is a refusal: nothing was sent', async () => {
    const { stub } = await recording({ settle: () => ({ status: 200, body: { success: true, transaction: '0x01', network: 'x' } }) })
    const throwing = httpFacilitator({ url: stub.url, headers: () => { throw new Error('no key') } })
    expect(await throwing.settle(request)).toMatchObject({ kind: 'refused', detail: expect.stringContaining('no key') })
    const invalid = httpFacilitator({ url: stub.url, headers: { 'bad header': 'x' } })
    expect(await invalid.settle(request)).toMatchObject({ kind: 'refused' })
    expect(stub.calls.settle ?? 0).toBe(0)
  })
})
