/**
 * Traces through a real Express seller on anvil, paid by the official v2 buyer, collected with the
 * OpenTelemetry SDK's in-memory exporter: one 'tollgate.payment' span per paid request with its
 * verify and settle children and their attributes; the caller's `traceparent` honoured; refusals
 * with their reason and an error status; unpaid challenges untraced; no payer address by default.
 */
import { SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { TollgateConfig } from '../../src/index.js'
import { otelTracing } from '../../src/tracing/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { mine, officialBuyer, settlementOf, until, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const paywall = { amount: '0.01', network: 'base-sepolia' } as const

let chain: TestChain
let seller: Seller
let untraced: Seller
/** Sellers whose tracer throws: at start, or from every span call. */
let brokenStart: Seller
let brokenSpans: Seller
const logged: string[] = []

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const routes: Parameters<typeof startSeller>[1] = (app, gate) => {
    app.get('/content', gate.paywall({ ...paywall, name: 'content' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    // A route given no name: labelled by its first request.
    app.get('/broken', gate.paywall(paywall), (_req, res) => res.status(500).json({ error: 'handler failed' }))
  }
  seller = await startSeller(chain, routes, {
    tracing: otelTracing({ tracer: provider.getTracer('tollgate-test') }),
    // A settlement not mined within this is left unknown (the unknown-outcome test holds mining back).
    settlerOptions: { receiptTimeoutMs: 300 },
  } as Partial<TollgateConfig>)
  untraced = await startSeller(chain, routes)
  const fail = () => {
    throw new Error('exporter bug')
  }
  const logger = { error: (message: string) => void logged.push(message) }
  brokenStart = await startSeller(chain, routes, { tracing: { start: fail }, logger } as Partial<TollgateConfig>)
  const span = { setAttributes: fail, child: fail, end: fail }
  brokenSpans = await startSeller(chain, routes, { tracing: { start: () => span }, logger } as Partial<TollgateConfig>)
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await untraced?.close()
  await brokenStart?.close()
  await brokenSpans?.close()
  await chain?.stop()
  await provider.shutdown()
})

beforeEach(() => exporter.reset())

const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name)
const childrenOf = (parent: ReadableSpan) => exporter.getFinishedSpans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
/** The payment span ends when the pass is done with, just after the answer: poll for it. */
const paymentSpans = async (count: number) => {
  await until(async () => named('tollgate.payment').length >= count)
  return named('tollgate.payment')
}

describe('a paid request', () => {
  it('is one tollgate.payment span with tollgate.verify and tollgate.settle children, carrying network, scheme, version, amount, route, outcome and transaction, and no payer', async () => {
    const account = await freshBuyer(chain)
    const res = await officialBuyer(chain, account).pay(`${seller.url}/content`)
    expect(res.status).toBe(200)
    const transaction = settlementOf(res).transaction
    const [payment, ...more] = await paymentSpans(1)
    // The challenge that came first carried no payment: no span of its own.
    expect(more).toEqual([])
    expect(payment!.parentSpanContext).toBeUndefined()
    expect(payment!.status.code).toBe(SpanStatusCode.UNSET)
    expect(payment!.attributes).toEqual({
      'tollgate.route': 'content',
      'x402.version': 2,
      'x402.scheme': 'exact',
      'x402.network': 'eip155:84532',
      'x402.amount': '10000',
      'x402.asset': chain.token,
      'tollgate.settlement': 'settled',
      'x402.transaction': transaction,
    })
    const children = childrenOf(payment!)
    expect(children.map((span) => span.name).sort()).toEqual(['tollgate.settle', 'tollgate.verify'])
    for (const child of children) expect(child.spanContext().traceId).toBe(payment!.spanContext().traceId)
    expect(children.find((span) => span.name === 'tollgate.settle')!.attributes).toEqual({ 'tollgate.settlement': 'settled', 'x402.transaction': transaction })
    // The verify span ends before the settle span starts: the handler ran between them.
    const verify = children.find((span) => span.name === 'tollgate.verify')!
    const settle = children.find((span) => span.name === 'tollgate.settle')!
    expect(verify.status.code).toBe(SpanStatusCode.UNSET)
    expect(settle.startTime[0] * 1e9 + settle.startTime[1]).toBeGreaterThanOrEqual(verify.endTime[0] * 1e9 + verify.endTime[1])
    const everything = JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes)).toLowerCase()
    expect(everything).not.toContain(account.address.toLowerCase().slice(2))
  })

  it("continues the caller's trace: spans in the traceparent's trace id, under its span id, with its tracestate", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const parentId = '00f067aa0ba902b7'
    const res = await officialBuyer(chain, await freshBuyer(chain)).pay(`${seller.url}/content`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc' },
    })
    expect(res.status).toBe(200)
    const [payment] = await paymentSpans(1)
    expect(payment!.spanContext().traceId).toBe(traceId)
    expect(payment!.parentSpanContext).toMatchObject({ traceId, spanId: parentId, isRemote: true })
    expect(payment!.parentSpanContext?.traceState?.get('vendor')).toBe('abc')
    expect(childrenOf(payment!).map((span) => span.spanContext().traceId)).toEqual([traceId, traceId])
  })
})

describe('a refused payment', () => {
  it('a replay: the span carries reason payment_already_used, status 409 and an error status; nothing verified or settled under it', async () => {
    const buyer = officialBuyer(chain, await freshBuyer(chain))
    expect((await buyer.pay(`${seller.url}/content`)).status).toBe(200)
    await paymentSpans(1)
    exporter.reset()
    const replay = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': buyer.sent[0]! } })
    expect(replay.status).toBe(409)
    const [payment] = await paymentSpans(1)
    expect(payment!.attributes).toMatchObject({ 'tollgate.reason': 'payment_already_used', 'http.response.status_code': 409, 'tollgate.route': 'content' })
    expect(payment!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'payment_already_used' })
    expect(childrenOf(payment!)).toEqual([])
  })

  it('a payer without the funds: the verify child fails with the reason, the payment span with it, and no settle child', async () => {
    const res = await officialBuyer(chain, await freshBuyer(chain, 0n)).pay(`${seller.url}/content`)
    expect(res.status).toBe(402)
    const { error } = (await res.json()) as { error: string }
    const [payment] = await paymentSpans(1)
    expect(payment!.attributes['tollgate.reason']).toBe(error)
    expect(payment!.status).toEqual({ code: SpanStatusCode.ERROR, message: error })
    const children = childrenOf(payment!)
    expect(children.map((span) => span.name)).toEqual(['tollgate.verify'])
    expect(children[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: error })
  })

  it('a malformed payment header: a span with invalid_payload, nothing under it', async () => {
    const res = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': 'not base64 json' } })
    expect(res.status).toBe(400)
    const [payment] = await paymentSpans(1)
    expect(payment!.attributes).toMatchObject({ 'tollgate.reason': 'invalid_payload', 'http.response.status_code': 400 })
    expect(childrenOf(payment!)).toEqual([])
  })
})

describe('settlement outcomes', () => {
  it('a handler that fails: no settle child, the span ends as abandoned, labelled by its first request', async () => {
    const res = await officialBuyer(chain, await freshBuyer(chain)).pay(`${seller.url}/broken`)
    expect(res.status).toBe(500)
    const [payment] = await paymentSpans(1)
    expect(payment!.attributes).toMatchObject({ 'tollgate.route': 'GET /broken', 'tollgate.settlement': 'abandoned' })
    expect(payment!.status.code).toBe(SpanStatusCode.UNSET)
    expect(childrenOf(payment!).map((span) => span.name)).toEqual(['tollgate.verify'])
  })

  it('a settlement left unknown: settle child and payment span with settlement unknown and an error status; presented again once mined, resumed and settled', async () => {
    const buyer = officialBuyer(chain, await freshBuyer(chain))
    await withoutAutomine(chain, async () => {
      expect((await buyer.pay(`${seller.url}/content`)).status).toBe(503)
      await mine(chain)
    })
    const [unknown] = await paymentSpans(1)
    expect(unknown!.attributes).toMatchObject({ 'tollgate.settlement': 'unknown', 'tollgate.reason': 'settlement_unknown' })
    expect(unknown!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'settlement_unknown' })
    const settle = childrenOf(unknown!).find((span) => span.name === 'tollgate.settle')!
    expect(settle.attributes).toMatchObject({ 'tollgate.settlement': 'unknown', 'tollgate.reason': 'settlement_unknown' })
    expect(settle.status.code).toBe(SpanStatusCode.ERROR)

    const again = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': buyer.sent[0]! } })
    expect(again.status).toBe(200)
    const transaction = settlementOf(again).transaction
    const spans = await paymentSpans(2)
    const resumed = spans.find((span) => span !== unknown)!
    expect(resumed.attributes).toMatchObject({ 'tollgate.settlement': 'settled', 'x402.transaction': transaction })
    // Not verified again: the pending record proves it; the settle child says it was resumed.
    expect(childrenOf(resumed).map((span) => [span.name, span.attributes])).toEqual([
      ['tollgate.settle', { 'tollgate.resumed': true, 'tollgate.settlement': 'settled', 'x402.transaction': transaction }],
    ])
  })
})

describe('without tracing', () => {
  it('an unpaid challenge records nothing', async () => {
    expect((await fetch(`${seller.url}/content`)).status).toBe(402)
    // A paid request after it is the marker that everything before it was exported.
    expect((await officialBuyer(chain, await freshBuyer(chain)).pay(`${untraced.url}/content`)).status).toBe(200)
    expect((await fetch(`${seller.url}/content`, { headers: { 'payment-signature': 'x' } })).status).toBe(400)
    await paymentSpans(1)
    expect(exporter.getFinishedSpans().map((span) => span.attributes['tollgate.reason'])).toEqual(['invalid_payload'])
  })

  it('a seller without `tracing` serves and charges the same, and nothing is recorded', async () => {
    const res = await officialBuyer(chain, await freshBuyer(chain)).pay(`${untraced.url}/content`)
    expect(res.status).toBe(200)
    expect(settlementOf(res).transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})

describe('a tracer that throws', () => {
  it.each([
    ['at start', () => brokenStart],
    ['from every span call', () => brokenSpans],
  ])('%s: the payment is served and settled, refusals keep their answers, and the failure is logged', async (_label, seller) => {
    logged.length = 0
    const res = await officialBuyer(chain, await freshBuyer(chain)).pay(`${seller().url}/content`)
    expect(res.status).toBe(200)
    expect(settlementOf(res).transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await fetch(`${seller().url}/content`, { headers: { 'payment-signature': 'x' } })).status).toBe(400)
    expect(logged).toContain('tollgate: tracing failed')
  })
})
