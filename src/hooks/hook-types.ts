import type { RequestLike } from '../http/request-like.js'
import type { VerifiedPayment } from '../methods/payment-method.js'

/**
 * The seller-facing hooks, on the tollgate configuration (every route) and on one route (that
 * route only); both fire, the configuration's first. Every hook but `authorize` only observes:
 * it runs after the gate has decided, is never awaited, and a throw or rejection goes to the
 * logger, so a broken or slow hook can neither break nor delay a payment.
 */
export interface TollgateHooks {
  /** A 402 challenge was sent to a request that carried no payment. */
  onChallenge?(event: ChallengeEvent): unknown
  /** A presented payment passed verification (before the handler runs and before settlement). */
  onVerified?(event: VerifiedEvent): unknown
  /** A presented payment or credential was refused, with the reason code the buyer got. */
  onRejected?(event: RejectedEvent): unknown
  /** A payment was settled on chain (or an earlier unknown settlement of it was found there). */
  onSettled?(event: SettledEvent): unknown
  /** A settlement failed ('failed': nothing charged) or its outcome is unknown ('unknown': the buyer may have been charged). */
  onSettlementFailed?(event: SettlementFailedEvent): unknown
  /** A prepaid credential was sold. */
  onPrepaidIssued?(event: PrepaidIssuedEvent): unknown
  /** Calls were taken from a prepaid credential. */
  onPrepaidSpent?(event: PrepaidSpentEvent): unknown
  /** A spend took the last calls of a prepaid credential. */
  onPrepaidExhausted?(event: PrepaidExhaustedEvent): unknown
  /** The seller revoked a prepaid credential. */
  onPrepaidRevoked?(event: PrepaidRevokedEvent): unknown
  /**
   * Decides whether a presented payment may go on (allow-lists, per-payer limits, risk engines).
   * Awaited: it runs after the payment's replay claim and before any chain read or verification.
   * A denial charges nothing and frees the claim, so the same payment may be presented again.
   * A hook that throws, rejects, returns anything but a verdict, or outlasts
   * `authorizeTimeoutMs` fails closed: 503 `authorize_failed`, nothing charged.
   */
  authorize?(event: AuthorizeEvent): AuthorizeVerdict | Promise<AuthorizeVerdict>
  /** Bound on one `authorize` call (default 5000 ms). */
  authorizeTimeoutMs?: number
}

/** Every hook name a hooks object may hold, for setup checks. */
export const HOOK_NAMES = [
  'onChallenge',
  'onVerified',
  'onRejected',
  'onSettled',
  'onSettlementFailed',
  'onPrepaidIssued',
  'onPrepaidSpent',
  'onPrepaidExhausted',
  'onPrepaidRevoked',
  'authorize',
] as const satisfies readonly (keyof TollgateHooks)[]

export interface RouteEvent {
  /** The route's label: its `name`, else what the seller mounted it as. */
  route: string
}

export interface ChallengeEvent extends RouteEvent {
  request: RequestLike
}

export interface RejectedEvent extends RouteEvent {
  request: RequestLike
  /** The HTTP status the buyer got (4xx, or 503 when something the gate needs was unavailable). */
  status: number
  /** The stable reason code in the answer's `error` (a seller's own code for an `authorize` denial). */
  reason: string
}

export interface VerifiedEvent extends RouteEvent {
  request: RequestLike
  /** A copy of what the handler sees as the payment. */
  payment: VerifiedPayment
  /** From receiving the payment to its verification: the replay claim, `authorize` hooks and the chain checks. */
  latencyMs: number
}

/** What a settlement is about, as the buyer's payment said and verification confirmed. */
export interface SettlementFields extends RouteEvent {
  payer: string
  /** The address the payment pays (the route's payee for this request). The gate always sets it; optional only so events built by hand still type. */
  payTo?: string
  /**
   * The payment's replay key(s), sorted and joined with '|': the same for every presentation of one
   * payment (a failed or unknown settlement and its later resolution share it), so a ledger keys on it.
   * The gate always sets it; optional only so events built by hand (tests, replays of old logs) still type.
   */
  paymentKey?: string
  /** Atomic units, as a decimal string. */
  amount: string
  asset: string
  /** CAIP-2 id, e.g. 'eip155:84532'. */
  network: string
  /** The seller's name for the network, e.g. 'base-sepolia'. */
  networkName: string
  x402Version: 1 | 2
  scheme: string
  /** Milliseconds from the moment the gate received the payment to the settlement's outcome (handler time included for 'after-handler'). */
  latencyMs: number
}

export interface SettledEvent extends SettlementFields {
  transaction: string
  /** True when this payment's earlier settlement was left unknown and was found on chain now: nothing new was charged. */
  resumed: boolean
}

export interface SettlementFailedEvent extends SettlementFields {
  /** 'failed': provably not charged (or reverted); 'unknown': a transaction may have charged the buyer, and is resolved when the payment is presented again. */
  state: 'failed' | 'unknown'
  reason: string
  /** The HTTP status the buyer got. */
  status: number
  /** The transaction sent, when one was. */
  transaction?: string
}

export interface PrepaidIssuedEvent {
  route: string
  credentialId: string
  package: string
  buyer: string
  calls: number
  expiresAt: string
  /** The settlement transaction of the purchase. */
  transaction?: string
  /** The purchase payment's `paymentKey` (as on its `onSettled` event), to tie the credential to that payment. */
  paymentKey?: string
}

export interface PrepaidSpentEvent {
  route: string
  credentialId: string
  package: string
  /** Calls taken by this request. */
  cost: number
  /** Calls left after it. */
  remaining: number
}

export interface PrepaidExhaustedEvent {
  route: string
  credentialId: string
  package: string
}

export interface PrepaidRevokedEvent {
  route: string
  credentialId: string
}

/**
 * A payment as presented, before any verification: what `authorize` decides on. Nothing in it is
 * checked yet (verification follows an allow), so an allow-list is safe (a forged payer fails
 * verification after), but a hook that counts per payer counts claims, not proven payments.
 */
export interface PresentedPayment {
  x402Version: 1 | 2
  scheme: string
  /** CAIP-2 id of the requirement the payment matched. */
  network: string
  asset: string
  /** Atomic units the route asks, as a decimal string. */
  amount: string
  payTo: string
  /** The payer the authorization names (unverified); absent when the scheme's payload names none. */
  payer?: string
}

export interface AuthorizeEvent extends RouteEvent {
  request: RequestLike
  payment: PresentedPayment
  /**
   * The payment's key, as its settlement events will carry it (`SettlementFields.paymentKey`), so a
   * decision can be joined to the payment's receipt. The gate always sets it; optional only so
   * events built by hand still type.
   */
  paymentKey?: string
}

/**
 * `true` or `{ allow: true }` lets the payment go on; `false` or `{ allow: false }` refuses it.
 * A denial answers `status` (a 4xx, default 403) with `reason` as the body's `error` (lowercase
 * letters, digits and '_', at most 64; default 'payment_denied') and `message` (at most 300
 * characters) for the buyer to read: never put secrets in them.
 */
export type AuthorizeVerdict =
  | boolean
  | { allow: true }
  /** `retryAfterSeconds` (a whole number, 1 to 86400) is sent as `Retry-After`, e.g. by rate limits. */
  | { allow: false; status?: number; reason?: string; message?: string; retryAfterSeconds?: number }
