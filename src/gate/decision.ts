import type { ReasonCode } from '../errors/reasons.js'
import type { VerifiedPayment } from '../methods/payment-method.js'
import type { SettleResponse } from '../protocol/wire-types.js'

/** An HTTP answer the adapter sends as it is: status, headers, JSON body (null for none). */
export interface HttpAnswer {
  status: number
  headers: Record<string, string>
  body: unknown
  /** A body that is not JSON (the browser paywall page): sent as it is, in place of `body`. */
  text?: string
}

/**
 * When a route charges: after its handler succeeded (default, like the official middleware), before
 * it runs, or 'async': served once verified and claimed, settled afterwards from a durable queue
 * (see asyncSettlement; adapters treat it as after-handler, and its settle() only queues).
 */
export type SettlementPolicy = 'after-handler' | 'before-handler' | 'async'

/**
 * How much of a handler's answer a route holds back while the payment settles (after-handler only).
 * Past `maxBytes`: 'settle' charges at that moment and then streams the rest live (the buyer has
 * paid for an answer that is already flowing; a later error does not refund); 'refuse' discards the
 * answer, frees the payment and answers 502 `response_too_large` (nothing charged).
 */
export interface HoldPolicy {
  maxBytes: number
  overflow: 'settle' | 'refuse'
}

export const DEFAULT_HOLD: Readonly<HoldPolicy> = Object.freeze({ maxBytes: 4 * 1024 * 1024, overflow: 'settle' })

export type SettleOutcome =
  /** `response` is absent for prepaid calls: nothing is settled on chain per call. */
  | { ok: true; headers: Record<string, string>; response?: SettleResponse }
  | ({ ok: false; reason: ReasonCode; response: SettleResponse } & HttpAnswer)

/** A verified payment. The adapter runs the handler and calls exactly one of `settle` or `abandon`. */
export interface PaymentPass {
  type: 'pass'
  payment: VerifiedPayment
  policy: SettlementPolicy
  /**
   * True when an earlier presentation of this payment charged the buyer but its outcome was unknown
   * then: `settle()` returns that settlement. Anyone can rebuild a payment header from a mined
   * transaction, so a route that issues something lasting (a credential) checks what only the
   * original buyer has before it serves a resumed payment.
   */
  resumed?: boolean
  /** The route's cap on held output (adapters that buffer a handler's answer enforce it). */
  hold: HoldPolicy
  /**
   * Charges the buyer. Idempotent: later calls return the first outcome. For a payment whose
   * earlier, unknown settlement was since found on chain, it charges nothing more and reports
   * that transaction.
   */
  settle(): Promise<SettleOutcome>
  /**
   * Nothing will be charged (the handler failed): frees the payment so the buyer may present it
   * again. For a payment already charged (see settle), frees only the right to serve it, so the
   * buyer may come back for what it paid.
   */
  abandon(): Promise<void>
  /**
   * For a pass settled before its handler: adapters report the handler's final status (500 for a
   * throw or a client that left). A prepaid call gives its unit back when that is >= 400; an
   * on-chain payment settled first stays charged.
   */
  complete?(status: number): Promise<void>
}

export type PaymentDecision =
  /** No payment was presented: 402 with what the route accepts. */
  | ({ type: 'challenge' } & HttpAnswer)
  /** A payment was presented and refused: 4xx/503 with a stable reason, never content. */
  | ({ type: 'reject'; reason: ReasonCode } & HttpAnswer)
  /** A CORS preflight: answered without payment. */
  | ({ type: 'preflight' } & HttpAnswer)
  | PaymentPass
