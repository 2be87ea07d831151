import type { ReasonCode } from '../errors/reasons.js'
import type { GateEvents } from '../hooks/gate-events.js'
import { paymentKeyOf } from '../hooks/payment-key.js'
import { presentedPayment } from '../hooks/presented-payment.js'
import type { RequestLike } from '../http/request-like.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { PaymentDecision } from './decision.js'
import type { Candidate } from './payment-pass.js'
import type { ChallengeFactory } from './route-challenges.js'

/**
 * The seller's `authorize` hooks, run after the payment's replay claim and before verification
 * (which reads the chain): undefined to go on, or the denial to answer. The caller releases the
 * claim on a denial, so nothing is charged and the same payment may be presented again.
 */
export async function authorizeStep(
  events: GateEvents,
  request: RequestLike,
  envelope: PaymentEnvelope,
  candidates: readonly Candidate[],
  challenge: ChallengeFactory,
): Promise<PaymentDecision | undefined> {
  if (!events.authorizes || candidates.length === 0) return undefined
  // The keys the gate claimed for this payment (every candidate's), as its settlement events will key it.
  const paymentKey = paymentKeyOf(candidates.flatMap((c) => c.replayKeys))
  const decision = await events.authorize({ request, payment: presentedPayment(envelope, candidates[0]!), paymentKey })
  if (decision.allow) return undefined
  // The seller's own reason code (default payment_denied): not one of tollgate's, but the answer carries it as `error` all the same.
  const reason = decision.reason as ReasonCode
  // Like every refusal, it repeats the challenge (a 402 denial is then still payable elsewhere by x402 clients);
  // the body carries the hook's own reason and message.
  const answer = challenge(decision.status, reason)
  const headers = decision.retryAfterSeconds === undefined ? answer.headers : withRetryAfter(answer.headers, decision.retryAfterSeconds)
  return { type: 'reject', reason, ...answer, headers, body: { ...(answer.body as object), error: decision.reason, message: decision.message } }
}

/** `Retry-After` is not a CORS-safelisted response header: exposed too, so browser clients can wait as told. */
export function withRetryAfter(headers: Record<string, string>, seconds: number): Record<string, string> {
  const expose = headers['access-control-expose-headers']
  return {
    ...headers,
    'retry-after': String(seconds),
    'access-control-expose-headers': expose ? `${expose}, Retry-After` : 'Retry-After',
  }
}

/** The route label events carry when the seller gave none: the method and path of the first request the route served. */
export function firstRequestLabel(request: RequestLike): string {
  const path = URL.canParse(request.url) ? new URL(request.url).pathname : '/'
  return `${request.method.toUpperCase()} ${path}`
}
