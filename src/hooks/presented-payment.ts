import type { Candidate } from '../gate/payment-pass.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { PresentedPayment } from './hook-types.js'

/**
 * The payment an `authorize` hook decides on, from the first method that took it and the payload
 * as sent: no signature checked, no chain read.
 */
export function presentedPayment(envelope: PaymentEnvelope, candidate: Pick<Candidate, 'requirement'>): PresentedPayment {
  const required = candidate.requirement.v2
  const payer = namedPayer(envelope.payload)
  return {
    x402Version: envelope.x402Version,
    scheme: required.scheme,
    network: required.network,
    asset: required.asset,
    amount: required.amount,
    payTo: required.payTo,
    ...(payer ? { payer } : {}),
  }
}

/** `authorization.from` of an EIP-3009 payload, or of a Permit2 one. */
function namedPayer(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  for (const key of ['authorization', 'permit2Authorization']) {
    const from = (payload as Record<string, { from?: unknown } | undefined>)[key]?.from
    if (typeof from === 'string') return from
  }
  return undefined
}
