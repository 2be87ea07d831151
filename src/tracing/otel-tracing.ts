import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api'
import type { GateSpan, GateTracer, TraceAttributes } from '../gate/gate-tracer.js'
import { parentContext } from './parent-context.js'

export interface OtelTracingOptions {
  /** The tracer spans are made with; default `trace.getTracer('tollgate')` (the registered provider's, else a no-op). */
  tracer?: Tracer
  /**
   * Put the payer's address on the payment span as `x402.payer` (default false: a wallet address
   * is personal data, and traces often go to third parties with looser retention).
   */
  recordPayer?: boolean
}

/**
 * A GateTracer on `@opentelemetry/api`: give it as `tracing` in the tollgate configuration. It
 * records nothing until the seller registers an OpenTelemetry SDK (or passes a provider's tracer).
 */
export function otelTracing(options: OtelTracingOptions = {}): GateTracer {
  if (typeof options !== 'object' || options === null) throw new TypeError('otelTracing(options) needs an options object')
  if (options.tracer !== undefined && typeof options.tracer?.startSpan !== 'function') throw new TypeError('otelTracing: tracer must be an OpenTelemetry Tracer')
  if (options.recordPayer !== undefined && typeof options.recordPayer !== 'boolean') throw new TypeError('otelTracing: recordPayer must be true or false')
  const given = options.tracer
  // Looked up per span when not given, so an SDK registered after tollgate is built still receives them.
  const tracer = () => given ?? trace.getTracer('tollgate')
  return {
    recordPayer: options.recordPayer === true,
    start(name, attributes, headers) {
      const using = tracer()
      return wrap(using, using.startSpan(name, { attributes }, parentContext(headers)))
    },
  }
}

function wrap(tracer: Tracer, span: Span): GateSpan {
  let ended = false
  return {
    setAttributes: (attributes: TraceAttributes) => void span.setAttributes(attributes),
    child: (name, attributes) => wrap(tracer, tracer.startSpan(name, attributes ? { attributes } : {}, trace.setSpan(context.active(), span))),
    end(error) {
      if (ended) return
      ended = true
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error })
      span.end()
    },
  }
}
