import type { TollgateHooks } from '../hooks/hook-types.js'
import type { Logger } from '../logger.js'
import { createOutbox, type Outbox, type OutboxOptions } from './outbox.js'
import { credentialLink, failedReceipt, settledReceipt } from './receipt.js'
import type { ReceiptStore } from './receipt-store.js'

export interface ReceiptHooksOptions extends OutboxOptions {
  /** The receipt's time (default Date.now): read when the gate reports, not when the outbox writes. */
  clock?: () => number
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
  const hooks: TollgateHooks = {
    onSettled(event) {
      const receipt = settledReceipt(event, now())
      if (receipt) outbox.push({ kind: 'receipt', receipt })
      else unkeyed(event)
    },
    onSettlementFailed(event) {
      const receipt = failedReceipt(event, now())
      if (receipt) outbox.push({ kind: 'receipt', receipt })
      else unkeyed(event)
    },
    onPrepaidIssued(event) {
      const link = credentialLink(event, now())
      if (link) outbox.push({ kind: 'credential', link })
    },
  }
  return { ...outbox, hooks, store }
}
