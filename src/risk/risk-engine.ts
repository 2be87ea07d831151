import type { AuthorizeEvent, AuthorizeVerdict, TollgateHooks } from '../hooks/hook-types.js'
import type { Logger } from '../logger.js'
import { EvidenceCache } from './evidence-cache.js'
import { DEFAULT_ENGINE_TIMEOUT_MS, httpEngine, type HttpEngineOptions } from './http-engine.js'
import { parsePaymentSecure, parseRiskSession } from './payment-secure.js'
import { checkDecision, traceOf, type RiskDecision, type RiskInput } from './risk-decision.js'

export interface RiskEngineOptions extends Omit<HttpEngineOptions, 'url'> {
  /** The engine as a function… */
  decide?: (input: RiskInput) => RiskDecision | Promise<RiskDecision>
  /** …or as an HTTP service (POST JSON `RiskInput`, 200 JSON `RiskDecision`). */
  url?: string
  /** `Retry-After` for a review that names none (default 60 s). */
  reviewRetryAfterSeconds?: number
  /** Told of each review (not awaited; a throw is logged), e.g. to queue it for a person. */
  onReview?(input: RiskInput, decision: RiskDecision): unknown
  /** How long a decision is kept for the payment's receipt (default 1 h), and how many (default 10 000). */
  evidenceTtlMs?: number
  maxEvidence?: number
  clock?: () => number
  logger?: Logger
}

/** What the receipts ledger stores with a payment decided by the risk engine. */
export interface RiskEvidence {
  decision: RiskDecision['decision']
  decisionId?: string
  reasons?: string[]
  session?: string
  traceId?: string
  parentId?: string
  traceparent?: string
  tracestate?: string
  /** ISO 8601. */
  decidedAt: string
}

export interface RiskEngine {
  /** Give to `tollgate({ hooks })`, alone or with `combineHooks(...)`. */
  hooks: TollgateHooks
  /** The evidence kept for a payment key: give it to the receipts ledger (`postgresReceipts({ evidence: risk.evidenceFor })`). */
  evidenceFor(paymentKey: string): RiskEvidence | undefined
}

export const PAYMENT_REVIEW_MESSAGE = 'This payment is held for review; nothing was charged. Present it again after Retry-After.'
export const RISK_DENIED_MESSAGE = 'This payment was refused by the seller\'s risk checks; nothing was charged.'

/**
 * An `authorize` hook that asks a risk engine about each presented payment, before any chain read.
 * allow → the payment goes on; deny → 403 `risk_denied`; review → 402 `payment_review` with
 * `Retry-After` (the challenge is repeated, nothing is charged and the claim is freed, so the same
 * payment may be presented again). A present but malformed `X-PAYMENT-SECURE` or `X-RISK-SESSION`
 * → 400 `payment_secure_invalid` / `risk_session_invalid`. An engine that errors, times out or
 * answers nonsense fails closed: 503 `authorize_failed`.
 */
export function riskEngine(options: RiskEngineOptions): RiskEngine {
  if (!options.decide === !options.url) throw new TypeError('tollgate: riskEngine needs exactly one of decide or url')
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('tollgate: riskEngine timeoutMs must be a positive whole number')
  const reviewWait = options.reviewRetryAfterSeconds ?? 60
  if (!Number.isSafeInteger(reviewWait) || reviewWait < 1 || reviewWait > 86_400) throw new TypeError('tollgate: riskEngine reviewRetryAfterSeconds must be a whole number from 1 to 86400')
  const decide = options.decide ?? httpEngine({ ...options, url: options.url!, timeoutMs })
  const clock = options.clock ?? Date.now
  const logger = options.logger ?? {}
  const evidence = new EvidenceCache<RiskEvidence>(options.maxEvidence ?? 10_000, options.evidenceTtlMs ?? 3_600_000, clock)

  const authorize = async (event: AuthorizeEvent): Promise<AuthorizeVerdict> => {
    const secureHeader = event.request.headers.get('x-payment-secure')
    const secure = secureHeader === null ? undefined : parsePaymentSecure(secureHeader)
    if (secureHeader !== null && !secure) {
      return { allow: false, status: 400, reason: 'payment_secure_invalid', message: 'X-PAYMENT-SECURE must be w3c.v1;tp=<traceparent>[;ts=<tracestate>]; nothing was charged.' }
    }
    const sessionHeader = event.request.headers.get('x-risk-session')
    const session = sessionHeader === null ? undefined : parseRiskSession(sessionHeader)
    if (sessionHeader !== null && session === undefined) {
      return { allow: false, status: 400, reason: 'risk_session_invalid', message: 'X-RISK-SESSION must be 1 to 128 token characters; nothing was charged.' }
    }
    const { payment } = event
    const input: RiskInput = {
      route: event.route,
      ...(event.paymentKey ? { paymentKey: event.paymentKey } : {}),
      payment: {
        ...(payment.payer ? { payer: payment.payer } : {}),
        amount: payment.amount,
        asset: payment.asset,
        network: payment.network,
        payTo: payment.payTo,
        scheme: payment.scheme,
        x402Version: payment.x402Version,
      },
      ...(secure ? { trace: traceOf(secure) } : {}),
      ...(session !== undefined ? { session } : {}),
    }
    // A function engine's answer is checked like an HTTP one: a bad answer throws, and the gate fails closed.
    const result = checkDecision(await decide(input))
    if (event.paymentKey) evidence.set(event.paymentKey, evidenceOf(result, input, clock()))
    if (result.decision === 'allow') return true
    if (result.decision === 'deny') return { allow: false, status: 403, reason: 'risk_denied', message: RISK_DENIED_MESSAGE }
    if (options.onReview) {
      try {
        Promise.resolve(options.onReview(input, result)).catch((error: unknown) => logger.error?.('tollgate: risk onReview failed', { error: String(error) }))
      } catch (error) {
        logger.error?.('tollgate: risk onReview failed', { error: String(error) })
      }
    }
    return { allow: false, status: 402, reason: 'payment_review', message: PAYMENT_REVIEW_MESSAGE, retryAfterSeconds: result.retryAfterSeconds ?? reviewWait }
  }

  // The gate's bound sits above the engine's own, so an engine timeout is told as such in the log.
  const hooks: TollgateHooks = { authorize, authorizeTimeoutMs: timeoutMs + 1_000 }
  return { hooks, evidenceFor: (paymentKey) => evidence.get(paymentKey) }
}

function evidenceOf(result: RiskDecision, input: RiskInput, now: number): RiskEvidence {
  const t = input.trace
  return {
    decision: result.decision,
    ...(result.id !== undefined ? { decisionId: result.id } : {}),
    ...(result.reasons !== undefined ? { reasons: result.reasons } : {}),
    ...(input.session !== undefined ? { session: input.session } : {}),
    ...(t ? { traceId: t.traceId, parentId: t.parentId, traceparent: t.traceparent, ...(t.tracestate !== undefined ? { tracestate: t.tracestate } : {}) } : {}),
    decidedAt: new Date(now).toISOString(),
  }
}
