import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import type { RequirementPair } from '../../methods/payment-method.js'

/**
 * One payment served before it settled, as kept in the queue: everything another instance (or this
 * one after a restart) needs to settle it with the same method, and to tell the route's hooks.
 * It holds the buyer's signed proof, so the queue lives in the seller's own store.
 */
export interface QueuedSettlement {
  /** The payment's key (its replay keys, sorted, joined with '|'): one job per payment. */
  paymentKey: string
  /** The id of the method that verified it: only that method settles it. */
  method: string
  /** The payment as presented (decoded header): the method reads its proof from it again. */
  envelope: PaymentEnvelope
  requirement: RequirementPair
  keys: string[]
  /** The route's label, for the hooks' events. */
  route: string
  payer: string
  payTo: string
  amount: string
  asset: string
  network: string
  networkName: string
  x402Version: 1 | 2
  scheme: string
  /** When the gate received the payment (ms since the epoch), for the settled event's latency. */
  receivedAt: number
  /** The counter of unsettled value this payment holds units of (see UnsettledCap), when it holds some. */
  capKey?: string
  /** Attempts made so far; the first one settles, later ones resolve from the chain first. */
  attempt: number
  /** Not before this time (ms since the epoch): a retry's backoff. */
  notBefore?: number
}

export function encodeJob(job: QueuedSettlement): string {
  return JSON.stringify(job)
}

/** A stored job, or null for anything that is not one (a foreign or corrupted entry). */
export function decodeJob(text: string): QueuedSettlement | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const v = value as Record<string, unknown>
  const strings = ['paymentKey', 'method', 'route', 'payer', 'payTo', 'amount', 'asset', 'network', 'networkName', 'scheme'] as const
  if (!strings.every((k) => typeof v[k] === 'string')) return null
  if (!Array.isArray(v.keys) || v.keys.length === 0 || !v.keys.every((k) => typeof k === 'string')) return null
  if (typeof v.envelope !== 'object' || v.envelope === null || typeof v.requirement !== 'object' || v.requirement === null) return null
  if (v.x402Version !== 1 && v.x402Version !== 2) return null
  if (typeof v.receivedAt !== 'number' || typeof v.attempt !== 'number') return null
  if (v.capKey !== undefined && typeof v.capKey !== 'string') return null
  if (v.notBefore !== undefined && typeof v.notBefore !== 'number') return null
  return value as QueuedSettlement
}
