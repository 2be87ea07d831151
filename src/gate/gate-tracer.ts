/**
 * The tracing seam of the core. It is defined here, not with OpenTelemetry's types, so the core
 * never imports `@opentelemetry/api` (an optional peer): only sellers who import `tollgate/tracing`
 * load it. Any tracer fits that implements these three calls.
 */
import { Headers } from '../protocol/wire-types.js'

export type TraceAttributes = Record<string, string | number | boolean>

export interface GateSpan {
  setAttributes(attributes: TraceAttributes): void
  /** A span under this one (verify, settle). */
  child(name: string, attributes?: TraceAttributes): GateSpan
  /** Ends the span; given a reason code, with an error status carrying it. Later calls are ignored. */
  end(error?: string): void
}

export interface GateTracer {
  /**
   * Starts a request's root span. `headers` are the incoming request's, for the W3C `traceparent`
   * and `tracestate` it may carry (the implementation decides the parent).
   */
  start(name: string, attributes: TraceAttributes, headers: { get(name: string): string | null }): GateSpan
  /** Whether spans may carry the payer's address (`x402.payer`); default false: an address is personal data. */
  readonly recordPayer?: boolean
}

/** Span and attribute names, one place for the core and the docs. */
export const SpanNames = { payment: 'tollgate.payment', verify: 'tollgate.verify', settle: 'tollgate.settle' } as const

/** Only a request carrying a payment gets a span: an unpaid challenge is the hot path and stays untraced. */
export function carriesPayment(headers: { get(name: string): string | null }): boolean {
  return headers.get(Headers.paymentSignature) !== null || headers.get(Headers.xPayment) !== null
}

/** Whether a value given as `tracing` can be used (configuration checks). */
export function isGateTracer(value: unknown): value is GateTracer {
  return typeof value === 'object' && value !== null && typeof (value as GateTracer).start === 'function'
}
