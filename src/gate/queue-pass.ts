import type { PaymentEnvelope } from '../protocol/read-payment.js'
import { EXPOSED_HEADERS } from '../protocol/wire-types.js'
import type { AsyncSettler } from '../settlement/async-queue/async-settlement.js'
import type { Candidate } from './payment-pass.js'
import type { VerifiedPayment } from '../methods/payment-method.js'

/** Set on an 'async' pass's answer: the content was served and its settlement is queued (no payment-response yet). */
export const QUEUED_HEADER = 'x-tollgate-settlement'

/** The queued answer's headers; browsers may read the queued mark like the settlement headers. */
export const QUEUED_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  [QUEUED_HEADER]: 'queued',
  'access-control-expose-headers': `${EXPOSED_HEADERS}, X-Tollgate-Settlement`,
})

export interface QueueParts {
  async: AsyncSettler
  envelope: PaymentEnvelope
  route: string
  candidate: Candidate
  payment: VerifiedPayment
  keys: string[]
  paymentKey: string
  receivedAt: number
}

/**
 * Queues an 'async' pass's settlement. False when it must settle now instead: the payer is at its
 * cap of unsettled value, the queue did not take it, or the method's charge is set by the handler
 * (upto) or only a claim remembers it (a pushed payment), which a queue cannot carry.
 */
export async function queueSettlement(parts: QueueParts): Promise<boolean> {
  const { candidate, payment } = parts
  const method = candidate.method as typeof candidate.method & { parseCharge?: unknown; settledClaim?: unknown }
  if (method.parseCharge !== undefined || method.settledClaim === 'keep') return false
  return parts.async.enqueue(
    {
      paymentKey: parts.paymentKey,
      method: method.id,
      envelope: parts.envelope,
      requirement: candidate.requirement,
      keys: parts.keys,
      route: parts.route,
      payer: payment.payer,
      payTo: payment.payTo,
      amount: payment.amount,
      asset: payment.asset,
      network: payment.network,
      networkName: payment.networkName,
      x402Version: payment.x402Version ?? 2,
      scheme: payment.scheme,
      receivedAt: parts.receivedAt,
    },
    method,
  )
}
