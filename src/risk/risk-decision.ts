import { MAX_RETRY_AFTER_SECONDS } from '../hooks/authorize-verdict.js'
import type { PaymentSecure } from './payment-secure.js'

/** What the risk engine decides on: the payment as presented (unverified) and the buyer's risk headers. */
export interface RiskInput {
  route: string
  /** Joins the decision to the payment's receipt (see `SettlementFields.paymentKey`). */
  paymentKey?: string
  payment: {
    /** Unverified: the payer the authorization names (verification follows an allow). */
    payer?: string
    /** Atomic units, as a decimal string. */
    amount: string
    asset: string
    /** CAIP-2 id. */
    network: string
    payTo: string
    scheme: string
    x402Version: 1 | 2
  }
  /** From `X-PAYMENT-SECURE`, when sent. */
  trace?: { traceparent: string; traceId: string; parentId: string; traceFlags: string; tracestate?: string }
  /** From `X-RISK-SESSION`, when sent. */
  session?: string
}

export interface RiskDecision {
  decision: 'allow' | 'deny' | 'review'
  /** The engine's id for this decision (at most 128 characters), kept as evidence. */
  id?: string
  /** Why, for the seller's evidence (at most 16, 200 characters each); never sent to the buyer. */
  reasons?: string[]
  /** For 'review': when the buyer may present the payment again (whole seconds, 1 to 86400). */
  retryAfterSeconds?: number
}

const DECISIONS = new Set(['allow', 'deny', 'review'])
const ID = /^[\x21-\x7e]{1,128}$/

/** The engine's answer checked field by field; anything else throws (the hook then fails closed). */
export function checkDecision(value: unknown): RiskDecision {
  if (typeof value !== 'object' || value === null) throw new TypeError('risk engine answered no decision object')
  const v = value as Record<string, unknown>
  if (typeof v.decision !== 'string' || !DECISIONS.has(v.decision)) throw new TypeError('risk engine decision must be allow, deny or review')
  const out: RiskDecision = { decision: v.decision as RiskDecision['decision'] }
  if (v.id !== undefined && v.id !== null) {
    if (typeof v.id !== 'string' || !ID.test(v.id)) throw new TypeError('risk engine id must be 1 to 128 visible ASCII characters')
    out.id = v.id
  }
  if (v.reasons !== undefined && v.reasons !== null) {
    if (!Array.isArray(v.reasons) || v.reasons.length > 16 || !v.reasons.every((r) => typeof r === 'string' && r.length <= 200)) {
      throw new TypeError('risk engine reasons must be at most 16 strings of at most 200 characters')
    }
    out.reasons = [...(v.reasons as string[])]
  }
  if (v.retryAfterSeconds !== undefined && v.retryAfterSeconds !== null) {
    const s = v.retryAfterSeconds
    if (!Number.isSafeInteger(s) || (s as number) < 1 || (s as number) > MAX_RETRY_AFTER_SECONDS) {
      throw new TypeError(`risk engine retryAfterSeconds must be a whole number from 1 to ${MAX_RETRY_AFTER_SECONDS}`)
    }
    out.retryAfterSeconds = s as number
  }
  return out
}

export function traceOf(secure: PaymentSecure): NonNullable<RiskInput['trace']> {
  const { traceparent, traceId, parentId, traceFlags, tracestate } = secure
  return { traceparent, traceId, parentId, traceFlags, ...(tracestate !== undefined ? { tracestate } : {}) }
}
