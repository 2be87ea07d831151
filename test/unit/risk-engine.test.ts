import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthorizeEvent } from '../../src/hooks/hook-types.js'
import { receiptHooks } from '../../src/receipts/receipt-hooks.js'
import type { Receipt, ReceiptStore } from '../../src/receipts/index.js'
import { riskEngine, type RiskInput } from '../../src/risk/index.js'
import { startServer, type TestServer } from '../support/http.js'
import { startRiskService, type RiskService } from '../e2e/risk-service.js'

const PAYER = '0x1111111111111111111111111111111111111111'
const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

function event(headers: Record<string, string> = {}, paymentKey = 'key-1'): AuthorizeEvent {
  return {
    route: 'content',
    paymentKey,
    request: new Request('http://seller.test/content', { headers }),
    payment: { x402Version: 2, scheme: 'exact', network: 'eip155:84532', asset: '0xasset', amount: '10000', payTo: '0xseller', payer: PAYER },
  }
}

let service: RiskService
let blob: TestServer
beforeAll(async () => {
  service = await startRiskService()
  blob = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ decision: 'allow', pad: 'x'.repeat(64 * 1024) }))
  })
})
afterAll(async () => {
  await service?.close()
  await blob?.close()
})

describe('riskEngine with a decide function', () => {
  it('gives the engine the payment, the trace and the session, and answers allow, deny and review as verdicts', async () => {
    const seen: RiskInput[] = []
    let next: 'allow' | 'deny' | 'review' = 'allow'
    const risk = riskEngine({ decide: (input) => (seen.push(input), { decision: next, id: `d-${seen.length}` }), reviewRetryAfterSeconds: 45 })
    const headers = { 'x-payment-secure': `w3c.v1;tp=${TP};ts=congo=t61rcWkgMzE`, 'x-risk-session': 'sess-42' }
    expect(await risk.hooks.authorize!(event(headers))).toBe(true)
    expect(seen[0]).toEqual({
      route: 'content',
      paymentKey: 'key-1',
      payment: { payer: PAYER, amount: '10000', asset: '0xasset', network: 'eip155:84532', payTo: '0xseller', scheme: 'exact', x402Version: 2 },
      trace: { traceparent: TP, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', traceFlags: '01', tracestate: 'congo=t61rcWkgMzE' },
      session: 'sess-42',
    })
    expect(risk.evidenceFor('key-1')).toMatchObject({ decision: 'allow', decisionId: 'd-1', session: 'sess-42', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', tracestate: 'congo=t61rcWkgMzE' })
    next = 'deny'
    expect(await risk.hooks.authorize!(event({}, 'key-2'))).toMatchObject({ allow: false, status: 403, reason: 'risk_denied' })
    expect(seen[1]).not.toHaveProperty('trace')
    expect(seen[1]).not.toHaveProperty('session')
    next = 'review'
    expect(await risk.hooks.authorize!(event({}, 'key-3'))).toMatchObject({ allow: false, status: 402, reason: 'payment_review', retryAfterSeconds: 45 })
    expect(risk.evidenceFor('key-3')).toMatchObject({ decision: 'review', decisionId: 'd-3' })
  })

  it('refuses a present but malformed X-PAYMENT-SECURE or X-RISK-SESSION with 400, without asking the engine', async () => {
    let calls = 0
    const risk = riskEngine({ decide: () => (calls++, { decision: 'allow' }) })
    expect(await risk.hooks.authorize!(event({ 'x-payment-secure': `w3c.v1;tp=${TP.toUpperCase()}` }))).toMatchObject({ allow: false, status: 400, reason: 'payment_secure_invalid' })
    expect(await risk.hooks.authorize!(event({ 'x-risk-session': 'has space' }))).toMatchObject({ allow: false, status: 400, reason: 'risk_session_invalid' })
    expect(calls).toBe(0)
    expect(risk.evidenceFor('key-1')).toBeUndefined()
  })

  it('throws (the gate fails closed) on an answer that is not a decision, and tells reviews to onReview', async () => {
    const bad = riskEngine({ decide: () => ({ decision: 'maybe' }) as never })
    await expect(bad.hooks.authorize!(event())).rejects.toThrow(/allow, deny or review/)
    const reviews: string[] = []
    const risk = riskEngine({ decide: () => ({ decision: 'review', id: 'r-1', retryAfterSeconds: 7 }), onReview: (_input, d) => void reviews.push(d.id!) })
    expect(await risk.hooks.authorize!(event())).toMatchObject({ retryAfterSeconds: 7 })
    expect(reviews).toEqual(['r-1'])
  })

  it('keeps evidence bounded in count and time', async () => {
    let now = 0
    const risk = riskEngine({ decide: () => ({ decision: 'allow' }), maxEvidence: 2, evidenceTtlMs: 1000, clock: () => now })
    for (const key of ['a', 'b', 'c']) await risk.hooks.authorize!(event({}, key))
    expect(risk.evidenceFor('a')).toBeUndefined()
    expect(risk.evidenceFor('c')).toMatchObject({ decision: 'allow' })
    now = 1000
    expect(risk.evidenceFor('c')).toBeUndefined()
  })

  it('refuses a setup with neither or both of decide and url, or a bad timeout', () => {
    expect(() => riskEngine({})).toThrow(/exactly one/)
    expect(() => riskEngine({ decide: () => ({ decision: 'allow' }), url: 'http://127.0.0.1:1' })).toThrow(/exactly one/)
    expect(() => riskEngine({ url: 'http://127.0.0.1:1', timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => riskEngine({ url: 'file:///etc/passwd' })).toThrow(/http/)
  })
})

describe('riskEngine over HTTP (a real local service)', () => {
  it('posts the input as JSON and follows the answer', async () => {
    service.answers.set(PAYER, 'deny')
    const risk = riskEngine({ url: service.url, timeoutMs: 2000 })
    expect(await risk.hooks.authorize!(event({ 'x-risk-session': 's1' }))).toMatchObject({ status: 403, reason: 'risk_denied' })
    expect(service.inputs.at(-1)).toMatchObject({ paymentKey: 'key-1', session: 's1', payment: { payer: PAYER, amount: '10000' } })
    service.answers.set(PAYER, 'allow')
    expect(await risk.hooks.authorize!(event())).toBe(true)
    expect(risk.evidenceFor('key-1')).toMatchObject({ decision: 'allow', reasons: ['rule:allow'] })
  })

  it('fails closed on a timeout, an error status, a malformed answer, an oversized answer and an unreachable engine', async () => {
    const risk = riskEngine({ url: service.url, timeoutMs: 300 })
    service.answers.set(PAYER, 'hang')
    await expect(risk.hooks.authorize!(event())).rejects.toThrow(/timed out/)
    service.answers.set(PAYER, 'error')
    await expect(risk.hooks.authorize!(event())).rejects.toThrow(/HTTP 500/)
    service.answers.set(PAYER, 'garbage')
    await expect(risk.hooks.authorize!(event())).rejects.toThrow(/allow, deny or review/)
    service.answers.delete(PAYER)
    await expect(riskEngine({ url: blob.url }).hooks.authorize!(event())).rejects.toThrow(/larger than/)
    const closed = await startServer(() => {})
    await closed.close()
    await expect(riskEngine({ url: closed.url }).hooks.authorize!(event())).rejects.toThrow(/unreachable/)
    expect(risk.hooks.authorizeTimeoutMs).toBeGreaterThan(300)
  })
})

describe('receipts with evidence', () => {
  it('a receipt carries the evidence found for its payment key; a failing lookup records it without', async () => {
    const written: Receipt[] = []
    const store: ReceiptStore = { record: async (r) => void written.push(r), linkCredential: async () => {}, get: async () => undefined, list: async () => [] }
    const risk = riskEngine({ decide: () => ({ decision: 'allow', id: 'e-1' }) })
    await risk.hooks.authorize!(event({ 'x-payment-secure': `w3c.v1;tp=${TP}` }, 'pk'))
    const settled = { route: 'content', payer: PAYER, payTo: '0xseller', amount: '10000', asset: '0xasset', network: 'eip155:84532', networkName: 'base-sepolia', x402Version: 2 as const, scheme: 'exact', latencyMs: 1, transaction: '0xabc', resumed: false }
    const ledger = receiptHooks(store, { evidence: risk.evidenceFor })
    ledger.hooks.onSettled!({ ...settled, paymentKey: 'pk' })
    ledger.hooks.onSettled!({ ...settled, paymentKey: 'other', transaction: '0xdef' })
    const errors: string[] = []
    const broken = receiptHooks(store, { evidence: () => ({ n: 1n }), logger: { error: (m) => void errors.push(m) } })
    broken.hooks.onSettled!({ ...settled, paymentKey: 'big', transaction: '0x123' })
    expect(await ledger.flush(2000)).toBe(0)
    expect(await broken.flush(2000)).toBe(0)
    expect(written.find((r) => r.paymentKey === 'pk')?.evidence).toMatchObject({ decision: 'allow', decisionId: 'e-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })
    expect(written.find((r) => r.paymentKey === 'other')).not.toHaveProperty('evidence')
    expect(written.find((r) => r.paymentKey === 'big')).not.toHaveProperty('evidence')
    expect(errors).toEqual([expect.stringContaining('evidence lookup failed')])
  })
})
