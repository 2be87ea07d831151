import type { PrepaidIssuedEvent, SettledEvent, SettlementFailedEvent } from '../hooks/hook-types.js'

/** Where a payment's settlement stands: 'settled' is final; 'failed' and 'unknown' may be resolved later. */
export type ReceiptState = 'settled' | 'failed' | 'unknown'

/** One settlement outcome, as the gate reported it: what a ledger records. */
export interface Receipt {
  /** The payment's replay key(s) (see `SettlementFields.paymentKey`): one payment, one row. */
  paymentKey: string
  state: ReceiptState
  route: string
  payer: string
  /** Null only for events built by hand without one (the gate always names it). */
  payTo: string | null
  /** Atomic units, as a decimal string. */
  amount: string
  asset: string
  /** CAIP-2 id. */
  network: string
  networkName: string
  scheme: string
  x402Version: 1 | 2
  /** The settlement transaction (absent for a failure that sent none). */
  transaction?: string
  /** The failure's reason code ('failed' / 'unknown'). */
  reason?: string
  /** The HTTP status the buyer got for a failure. */
  status?: number
  /** An earlier unknown settlement of this payment was found on chain (nothing new was charged). */
  resumed: boolean
  /** When the gate reported it (ISO 8601), not when it was written: the outbox may write it later. */
  at: string
  /** What the seller's checks decided about the payment (e.g. a risk engine's decision and ids), as JSON: see `evidence` in ReceiptHooksOptions. */
  evidence?: Record<string, unknown>
}

/** A prepaid credential sold by the payment `paymentKey`. */
export interface CredentialLink {
  paymentKey: string
  credentialId: string
  package: string
  at: string
}

/** A change for the ledger, in the order the gate reported them. */
export type ReceiptChange = { kind: 'receipt'; receipt: Receipt } | { kind: 'credential'; link: CredentialLink }

/** A receipt as stored, with its history. */
export interface StoredReceipt extends Omit<Receipt, 'at' | 'reason' | 'status' | 'transaction' | 'evidence'> {
  /** The evidence of the payment's latest outcome that carried any (a payment settled anew was decided anew); null when none did. */
  evidence: Record<string, unknown> | null
  transaction: string | null
  /** The last failure reason, kept after a later resolution (so the row tells it was once unknown). */
  reason: string | null
  status: number | null
  /** The state before the last change (null when the row never changed). */
  previousState: ReceiptState | null
  prepaidCredentialId: string | null
  prepaidPackage: string | null
  recordedAt: Date
  updatedAt: Date
  settledAt: Date | null
}

/** Events built by hand may lack a key: the settlement transaction then stands for the payment. */
function keyOf(event: SettledEvent | SettlementFailedEvent): string | undefined {
  if (event.paymentKey) return event.paymentKey
  return event.transaction ? `tx:${event.network}:${event.transaction.toLowerCase()}` : undefined
}

function common(event: SettledEvent | SettlementFailedEvent, at: string) {
  return {
    route: event.route,
    payer: event.payer,
    payTo: event.payTo ?? null,
    amount: event.amount,
    asset: event.asset,
    network: event.network,
    networkName: event.networkName,
    scheme: event.scheme,
    x402Version: event.x402Version,
    at,
  }
}

export function settledReceipt(event: SettledEvent, at: string): Receipt | undefined {
  const paymentKey = keyOf(event)
  if (paymentKey === undefined) return undefined
  return { paymentKey, state: 'settled', ...common(event, at), transaction: event.transaction, resumed: event.resumed }
}

export function failedReceipt(event: SettlementFailedEvent, at: string): Receipt | undefined {
  const paymentKey = keyOf(event)
  if (paymentKey === undefined) return undefined
  return {
    paymentKey,
    state: event.state,
    ...common(event, at),
    ...(event.transaction ? { transaction: event.transaction } : {}),
    reason: event.reason,
    status: event.status,
    resumed: false,
  }
}

export function credentialLink(event: PrepaidIssuedEvent, at: string): CredentialLink | undefined {
  if (!event.paymentKey) return undefined
  return { paymentKey: event.paymentKey, credentialId: event.credentialId, package: event.package, at }
}
