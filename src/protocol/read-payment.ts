import { Reason, type ReasonCode } from '../errors/reasons.js'
import type { RequestLike } from '../http/request-like.js'
import { decodePaymentHeader } from './decode-header.js'
import { readPushPayment } from '../push/read-push.js'
import { describeIssues, envelopeV1Schema, envelopeV2Schema, type AcceptedRequirement } from './payment-schemas.js'
import { Headers, type X402Version } from './wire-types.js'

/** A decoded payment of either generation, reduced to what choosing a method needs. */
export interface PaymentEnvelope {
  x402Version: X402Version
  scheme: string
  network: string
  /** v2 only: the requirement the buyer says it paid for. */
  accepted?: AcceptedRequirement
  /** v2 only: the payment's extensions as sent (e.g. eip2612GasSponsoring), checked by the method that reads them. */
  extensions?: unknown
  /** Scheme-specific proof, validated by the method that claims it. */
  payload: unknown
}

export type PaymentRead =
  | { kind: 'none' }
  | { kind: 'invalid'; status: 400 | 431; reason: ReasonCode; detail: string }
  | { kind: 'payment'; envelope: PaymentEnvelope }

/** Finds the payment header (`PAYMENT-SIGNATURE` for v2, `X-PAYMENT` for v1), decodes and validates its envelope. */
export function readPayment(request: RequestLike): PaymentRead {
  const v2Header = request.headers.get(Headers.paymentSignature)
  const v1Header = request.headers.get(Headers.xPayment)
  // A payment pushed on chain first, proven by its hash (`Authorization: x402 …`); other Authorization schemes are the seller's own.
  const pushed = readPushPayment(request)
  if (pushed) {
    if (v2Header !== null || v1Header !== null) {
      return { kind: 'invalid', status: 400, reason: Reason.ambiguousPayment, detail: 'send an x402 payment header or `Authorization: x402`, not both' }
    }
    return pushed
  }
  if (v2Header === null && v1Header === null) return { kind: 'none' }
  if (v2Header !== null && v1Header !== null) {
    return { kind: 'invalid', status: 400, reason: Reason.ambiguousPayment, detail: 'both PAYMENT-SIGNATURE and X-PAYMENT were sent' }
  }
  const decoded = decodePaymentHeader((v2Header ?? v1Header) as string)
  if (!decoded.ok) {
    const status = decoded.failure === 'too_large' ? 431 : 400
    const reason = decoded.failure === 'too_large' ? Reason.headerTooLarge : Reason.invalidPayload
    return { kind: 'invalid', status, reason, detail: decoded.detail }
  }
  return parseEnvelope(decoded.value)
}

function parseEnvelope(value: unknown): PaymentRead {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', status: 400, reason: Reason.invalidPayload, detail: 'payment is not a JSON object' }
  }
  const version = (value as { x402Version?: unknown }).x402Version
  if (version === 1) {
    const parsed = envelopeV1Schema.safeParse(value)
    if (!parsed.success) return invalid(describeIssues(parsed.error))
    const { scheme, network, payload } = parsed.data
    return { kind: 'payment', envelope: { x402Version: 1, scheme, network, payload } }
  }
  if (version === 2) {
    const parsed = envelopeV2Schema.safeParse(value)
    if (!parsed.success) return invalid(describeIssues(parsed.error))
    const { accepted, payload, extensions } = parsed.data
    return { kind: 'payment', envelope: { x402Version: 2, scheme: accepted.scheme, network: accepted.network, accepted, payload, ...(extensions !== undefined ? { extensions } : {}) } }
  }
  return {
    kind: 'invalid',
    status: 400,
    reason: version === undefined ? Reason.invalidPayload : Reason.invalidVersion,
    detail: version === undefined ? 'x402Version is missing' : `x402Version ${JSON.stringify(version)} is not supported (1 or 2)`,
  }
}

function invalid(detail: string): PaymentRead {
  return { kind: 'invalid', status: 400, reason: Reason.invalidPayload, detail }
}
