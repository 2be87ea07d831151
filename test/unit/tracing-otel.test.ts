/**
 * otelTracing and the core's tracing seam, on the SDK's in-memory exporter: the parent rule (an
 * active span, else the incoming W3C trace context, else a new trace), the payer opt-in, option
 * and configuration checks, and no span for a request that carries no payment.
 */
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type ContextManager } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { createTollgate, memoryStore, ConfigurationError, type TollgateConfig } from '../../src/index.js'
import { carriesPayment } from '../../src/gate/gate-tracer.js'
import { paymentAttributes, startPaymentSpan } from '../../src/gate/trace-payment.js'
import type { VerifiedPayment } from '../../src/methods/payment-method.js'
import { otelTracing } from '../../src/tracing/index.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const tracer = provider.getTracer('unit')
const headers = (entries: Record<string, string>) => new Headers(entries)
const TRACE = '0af7651916cd43dd8448eb211c80319c'
const PARENT = 'b7ad6b7169203331'

/** The smallest synchronous context manager: enough for `context.with` around a direct call. */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT
  active = () => this.current
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const before = this.current
    this.current = ctx
    try {
      return fn.call(thisArg, ...args)
    } finally {
      this.current = before
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target
  }
  enable = () => this
  disable = () => this
}

afterEach(() => {
  exporter.reset()
  context.disable()
  propagation.disable()
})

const only = () => {
  const spans = exporter.getFinishedSpans()
  expect(spans).toHaveLength(1)
  return spans[0]!
}

describe('the parent of a payment span', () => {
  it("with no propagator registered, the traceparent's trace and span, and its tracestate", () => {
    otelTracing({ tracer }).start('tollgate.payment', {}, headers({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'a=1,b=2' })).end()
    const span = only()
    expect(span.spanContext().traceId).toBe(TRACE)
    expect(span.parentSpanContext).toMatchObject({ traceId: TRACE, spanId: PARENT, traceFlags: 1, isRemote: true })
    expect(span.parentSpanContext?.traceState?.serialize()).toBe('a=1,b=2')
  })

  it('through the registered propagator when there is one', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    otelTracing({ tracer }).start('tollgate.payment', {}, headers({ traceparent: `00-${TRACE}-${PARENT}-01` })).end()
    expect(only().parentSpanContext).toMatchObject({ traceId: TRACE, spanId: PARENT, traceFlags: 1 })
  })

  it("keeps the caller's sampling decision: an unsampled traceparent records nothing (the SDK's default parent-based sampler)", () => {
    otelTracing({ tracer }).start('tollgate.payment', {}, headers({ traceparent: `00-${TRACE}-${PARENT}-00` })).end()
    expect(exporter.getFinishedSpans()).toEqual([])
  })

  it.each([
    ['a malformed one', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
  ])('%s starts a new trace', (_label, traceparent) => {
    otelTracing({ tracer }).start('tollgate.payment', {}, headers({ traceparent })).end()
    const span = only()
    expect(span.parentSpanContext).toBeUndefined()
    expect(span.spanContext().traceId).not.toBe(TRACE)
  })

  it("an active span (the framework's instrumentation) wins over the header", () => {
    context.setGlobalContextManager(new StackContextManager())
    const server = tracer.startSpan('GET /content')
    context.with(trace.setSpan(context.active(), server), () => {
      otelTracing({ tracer }).start('tollgate.payment', {}, headers({ traceparent: `00-${TRACE}-${PARENT}-01` })).end()
    })
    server.end()
    const payment = exporter.getFinishedSpans().find((span) => span.name === 'tollgate.payment')!
    expect(payment.parentSpanContext?.spanId).toBe(server.spanContext().spanId)
    expect(payment.spanContext().traceId).toBe(server.spanContext().traceId)
  })
})

describe('spans', () => {
  it('children under their parent; an error ends with its reason as status; a second end is ignored', () => {
    const span = otelTracing({ tracer }).start('tollgate.payment', { 'tollgate.route': 'r' }, headers({}))
    const child = span.child('tollgate.verify', { k: 1 })
    child.end('insufficient_funds')
    child.end()
    span.end('insufficient_funds')
    const [first, second] = exporter.getFinishedSpans()
    expect(exporter.getFinishedSpans()).toHaveLength(2)
    expect(first!.parentSpanContext?.spanId).toBe(second!.spanContext().spanId)
    expect(first!.attributes).toEqual({ k: 1 })
    expect(first!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'insufficient_funds' })
  })

  it('without a tracer given and no SDK registered: a no-op, nothing recorded', () => {
    const span = otelTracing().start('tollgate.payment', {}, headers({}))
    span.child('tollgate.verify').end()
    span.end()
    expect(exporter.getFinishedSpans()).toEqual([])
  })

  it('recordPayer is off unless asked for', () => {
    expect(otelTracing({ tracer }).recordPayer).toBe(false)
    expect(otelTracing({ tracer, recordPayer: true }).recordPayer).toBe(true)
  })

  it.each([[{ tracer: {} }], [{ recordPayer: 'yes' }], [null]])('refuses bad options %j', (options) => {
    expect(() => otelTracing(options as never)).toThrow(TypeError)
  })
})

describe('the core', () => {
  it('starts no span for a request without a payment header (an unpaid challenge)', () => {
    const gateTracer = otelTracing({ tracer })
    const request = (h: Record<string, string>) => ({ method: 'GET', url: 'http://127.0.0.1/x', headers: headers(h) })
    expect(carriesPayment(headers({}))).toBe(false)
    expect(startPaymentSpan(gateTracer, request({ traceparent: `00-${TRACE}-${PARENT}-01` }), 'x')).toBeUndefined()
    expect(startPaymentSpan(undefined, request({ 'payment-signature': 'x' }), 'x')).toBeUndefined()
    startPaymentSpan(gateTracer, request({ 'x-payment': 'x' }), 'x')!.end()
    expect(only().attributes).toEqual({ 'tollgate.route': 'x' })
  })

  it("a payment's attributes: amount and asset; the payer only when the tracer allows it", () => {
    const payment = { payer: '0x00000000000000000000000000000000000000b0', amount: '10000', asset: '0x00000000000000000000000000000000000000a5' } as VerifiedPayment
    expect(paymentAttributes(payment, false)).toEqual({ 'x402.amount': '10000', 'x402.asset': payment.asset })
    expect(paymentAttributes(payment, undefined)).toEqual({ 'x402.amount': '10000', 'x402.asset': payment.asset })
    expect(paymentAttributes(payment, true)).toEqual({ 'x402.amount': '10000', 'x402.asset': payment.asset, 'x402.payer': payment.payer })
  })

  it('refuses a `tracing` that is not a tracer, listed with the other problems', () => {
    const config = { payTo: '0x000000000000000000000000000000000000dEaD', store: memoryStore(), singleInstance: true, tracing: { span: () => {} } }
    expect(() => createTollgate(config as unknown as TollgateConfig)).toThrow(ConfigurationError)
    try {
      createTollgate(config as unknown as TollgateConfig)
    } catch (error) {
      expect((error as ConfigurationError).problems).toContain('tracing must be a tracer with a start function (otelTracing() from tollgate/tracing), not an object')
    }
  })
})
