import type { CredentialLink, Receipt, ReceiptState, StoredReceipt } from './receipt.js'

/**
 * A receipts ledger. Writes are idempotent, so the outbox may retry any of them: one row per
 * payment key; a 'settled' row is final (a late or repeated 'failed' / 'unknown' never downgrades
 * it), and a 'failed' or 'unknown' row is updated in place when the payment is resolved.
 */
export interface ReceiptStore {
  /** Records an outcome. Throw `ReceiptRejectedError` for a write that can never succeed; any other error is retried. */
  record(receipt: Receipt): Promise<void>
  /** Ties a sold prepaid credential to the payment that bought it. */
  linkCredential(link: CredentialLink): Promise<void>
  get(paymentKey: string): Promise<StoredReceipt | undefined>
  /** Receipts recorded in [from, to), oldest first (for audits and reconciliation). */
  list(query?: ReceiptQuery): Promise<StoredReceipt[]>
}

export interface ReceiptQuery {
  from?: Date
  to?: Date
  state?: ReceiptState
  network?: string
  payTo?: string
  /** At most this many rows (default 10 000). */
  limit?: number
}

/** A write the store will never accept (bad data, not an outage): the outbox drops it with an error log instead of retrying forever. */
export class ReceiptRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ReceiptRejectedError'
  }
}
