import type { SettledEvent, SettlementFailedEvent, TollgateHooks } from '../hooks/hook-types.js'
import { PENDING_LIFETIME_MS } from '../replay/replay-guard.js'
import type { PendingHealth } from './health-report.js'

export interface PendingThresholds {
  /** More unknown settlements than this is 'degraded' (default 0: any). */
  maxCount?: number
  /** An unknown settlement older than this (ms) is 'degraded' even when the count is within bounds (default 10 minutes). */
  maxAgeMs?: number
}

interface Unknown {
  at: number
  transaction?: string
  /** payer, network, asset and amount: what a settlement without a transaction is recognised by. */
  terms: string
}

/**
 * Counts the settlements this process left unknown (the buyer may have been charged) and has not
 * seen resolved, from the hooks: an 'unknown' failure adds one; a settlement of the same payment
 * (its `paymentKey`, else its transaction, else the same payer, network, asset and amount), or a
 * 'failed' settlement of it (settled anew and provably not charged), takes it away.
 * Per process: the records themselves are in the store, and counting them store-wide would need a
 * scan the Store contract does not offer. A pending record proven never charged (the payer
 * canceled) is not announced by any hook; it leaves the count when its record would expire.
 */
export class PendingTracker {
  private readonly unknowns = new Map<string, Unknown>()

  constructor(
    private readonly clock: () => number,
    private readonly thresholds: Required<PendingThresholds>,
  ) {}

  readonly hooks: TollgateHooks = {
    onSettlementFailed: (event: SettlementFailedEvent) => {
      if (event.state === 'failed') {
        // The same payment settled anew and provably not charged this time: nothing is pending any more.
        if (event.paymentKey !== undefined) this.unknowns.delete(event.paymentKey)
        return
      }
      const terms = termsOf(event)
      const key = event.paymentKey ?? event.transaction ?? `terms:${terms}:${this.clock()}`
      if (this.unknowns.has(key)) return
      this.unknowns.set(key, { at: this.clock(), ...(event.transaction ? { transaction: event.transaction } : {}), terms })
    },
    onSettled: (event: SettledEvent) => {
      if (this.unknowns.size === 0) return
      // Every presentation of one payment has the same paymentKey: resumed, or proven unsent and settled anew.
      if (event.paymentKey !== undefined && this.unknowns.delete(event.paymentKey)) return
      for (const [key, unknown] of this.unknowns) {
        if (unknown.transaction !== undefined && unknown.transaction === event.transaction) {
          this.unknowns.delete(key)
          return
        }
      }
      // Events without a paymentKey or transaction (built by hand): the oldest unknown of the same terms.
      const terms = termsOf(event)
      for (const [key, unknown] of this.unknowns) {
        if (unknown.terms === terms && (event.resumed || unknown.transaction === undefined)) {
          this.unknowns.delete(key)
          return
        }
      }
    },
  }

  report(): PendingHealth {
    const now = this.clock()
    let oldest: number | null = null
    for (const [key, unknown] of this.unknowns) {
      // The store forgets the record then too; nothing is left to resolve.
      if (now - unknown.at >= PENDING_LIFETIME_MS) this.unknowns.delete(key)
      else oldest = oldest === null ? unknown.at : Math.min(oldest, unknown.at)
    }
    const count = this.unknowns.size
    const oldestAgeMs = oldest === null ? null : Math.max(0, now - oldest)
    const { maxCount, maxAgeMs } = this.thresholds
    const degraded = count > maxCount || (oldestAgeMs !== null && oldestAgeMs > maxAgeMs)
    return { status: degraded ? 'degraded' : 'ok', count, oldestAgeMs }
  }
}

function termsOf(event: { payer: string; network: string; asset: string; amount: string }): string {
  return [event.payer.toLowerCase(), event.network, event.asset.toLowerCase(), event.amount].join('|')
}
