import type { RequestLike } from '../http/request-like.js'
import type { VerifiedPayment } from '../methods/payment-method.js'
import type { PaymentDecision } from './decision.js'
import { carriesPayment, SpanNames, type GateSpan, type GateTracer } from './gate-tracer.js'

/** The request's 'tollgate.payment' span, or undefined: no tracer, or no payment on the request (a challenge). */
export function startPaymentSpan(tracer: GateTracer | undefined, request: RequestLike, route: string): GateSpan | undefined {
  if (!tracer || !carriesPayment(request.headers)) return undefined
  return tracer.start(SpanNames.payment, { 'tollgate.route': route }, request.headers)
}

/**
 * Ends the span of a decision that is final: a refusal (with its reason and status). A pass's span
 * is the pass's to end, when it settles or is abandoned.
 */
export function traceDecision(span: GateSpan, decision: PaymentDecision): void {
  if (decision.type === 'pass') return
  if (decision.type === 'reject') {
    span.setAttributes({ 'tollgate.reason': decision.reason, 'http.response.status_code': decision.status })
    span.end(decision.reason)
    return
  }
  span.setAttributes({ 'http.response.status_code': decision.status })
  span.end()
}

/** What a verified payment adds to its span: its terms, and its payer only where the tracer allows. */
export function paymentAttributes(payment: VerifiedPayment, recordPayer: boolean | undefined) {
  return {
    'x402.amount': payment.amount,
    'x402.asset': payment.asset,
    ...(recordPayer ? { 'x402.payer': payment.payer } : {}),
  }
}
