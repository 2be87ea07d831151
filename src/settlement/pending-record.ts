/**
 * What tollgate keeps, in the seller's store, about a settlement whose outcome was not known when
 * the buyer was answered (503 settlement_unknown). The buyer presents the same payment again; the
 * gate finds this record under the payment's replay key and asks the method to resolve it.
 * Never shown to buyers.
 */
export interface PendingSettlement {
  /** 'pending' until a resolution finds the transfer on chain; 'settled' from then until the buyer is served. */
  state: 'pending' | 'settled'
  /** The id of the payment method that settled: only it can resolve the record. */
  method: string
  /** Every replay key the payment claimed. */
  keys: string[]
  /** CAIP-2 id of the network. */
  network: string
  payer: string
  /** The settlement transaction, when one is known. */
  transaction?: string
  /** Method-specific note for resolving later (e.g. which facilitator settled). */
  resume?: string
  /** upto: the charge the settlement was sent for (atomic units), what the buyer is told once it is found. */
  charge?: string
  /** Milliseconds since the epoch when the outcome was found unknown. */
  at: number
}

const PREFIX = 'pending:'
const SERVED_PREFIX = 'served:'

/** Where the record of a payment is kept: one entry per replay key, so any route holding one key finds it. */
export function pendingKey(replayKey: string): string {
  return PREFIX + replayKey
}

/** The lock that lets exactly one presentation of a pending payment resolve it and run the handler. */
export function servedKey(replayKey: string): string {
  return SERVED_PREFIX + replayKey
}

export function encodePending(pending: PendingSettlement): string {
  return JSON.stringify(pending)
}

/** Reads a stored record; anything that is not one (a foreign or corrupted value) reads as none. */
export function decodePending(text: string | null): PendingSettlement | null {
  if (text === null) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const v = value as Record<string, unknown>
  const optionalText = (x: unknown) => x === undefined || typeof x === 'string'
  if (v.state !== 'pending' && v.state !== 'settled') return null
  if (typeof v.method !== 'string' || typeof v.network !== 'string' || typeof v.payer !== 'string') return null
  if (!Array.isArray(v.keys) || v.keys.length === 0 || !v.keys.every((k) => typeof k === 'string')) return null
  if (!optionalText(v.transaction) || !optionalText(v.resume) || typeof v.at !== 'number') return null
  if (v.charge !== undefined && !(typeof v.charge === 'string' && /^[0-9]{1,78}$/.test(v.charge))) return null
  return value as PendingSettlement
}
