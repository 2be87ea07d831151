import type { TollgateHooks } from '../hooks/hook-types.js'
import type { Logger } from '../logger.js'
import { createOutbox, type Outbox, type OutboxOptions } from './outbox.js'
import { credentialLink, failedReceipt, settledReceipt, type Receipt } from './receipt.js'
import type { ReceiptStore } from './receipt-store.js'

export interface ReceiptHooksOptions extends OutboxOptions {
  /** The receipt's time (default Date.now): read when the gate reports, not when the outbox writes. */
  clock?: () => number
  /**
   * Evidence to store with a payment's receipt, looked up by its payment key when the outcome is
   * reported, e.g. `riskEngine(...).evidenceFor`. Must be JSON-serialisable; a throw is logged and
   * the receipt is recorded without it.
   */
  evidence?: (paymentKey: string) => object | undefined
}

export interface ReceiptLedger extends Outbox {
  /** Give to `tollgate({ hooks })`, alone or with `combineHooks(...)`. */
  hooks: TollgateHooks
  store: ReceiptStore
}

/**
 * Hooks that record every settlement outcome into `store` through a bounded outbox: the hooks only
 * queue (the buyer's answer never waits), the outbox writes in order and retries while the store is
 * down. Prepaid spends are not receipts (no money moves): the purchase's row carries the credential id.
 */
export function receiptHooks(store: ReceiptStore, options: ReceiptHooksOptions = {}): ReceiptLedger {
  const outbox = createOutbox(store, options)
  const clock = options.clock ?? Date.now
  const logger: Logger = options.logger ?? {}
  const now = () => new Date(clock()).toISOString()
  const unkeyed = (event: object) => logger.error?.('tollgate: settlement event without payment key or transaction, not recorded', { event })
  const withEvidence = (receipt: Receipt): Receipt => {
    if (!options.evidence) return receipt
    try {
      const found = options.evidence(receipt.paymentKey)
      if (found === undefined) return receipt
      // A copy through JSON now: a value JSON cannot hold fails here (logged), not at every retry of the write.
      return { ...receipt, evidence: JSON.parse(JSON.stringify(found)) as Record<string, unknown> }
    } catch (error) {
      logger.error?.('tollgate: receipt evidence lookup failed, recording without it', { paymentKey: receipt.paymentKey, error: String(error) })
      return receipt
    }
  }
  const hooks: TollgateHooks = {
    onSettled(event) {
      const receipt = settledReceipt(event, now())
      if (receipt) outbox.push({ kind: 'receipt', receipt: withEvidence(receipt) })
      else unkeyed(event)
    },
    onSettlementFailed(event) {
      const receipt = failedReceipt(event, now())
      if (receipt) outbox.push({ kind: 'receipt', receipt: withEvidence(receipt) })
      else unkeyed(event)
    },
    onPrepaidIssued(event) {
      const link = credentialLink(event, now())
      if (link) outbox.push({ kind: 'credential', link })
    },
  }
  return { ...outbox, hooks, store }
}
