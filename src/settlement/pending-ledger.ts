import type { Logger } from '../logger.js'
import { PENDING_LIFETIME_MS } from '../replay/replay-guard.js'
import type { Store } from '../stores/store.js'
import { decodePending, encodePending, pendingKey, servedKey, type PendingSettlement } from './pending-record.js'

/**
 * How long one presentation may hold the right to resolve a pending payment and run its handler.
 * Long enough for any held response; short enough that a crashed process does not lock the buyer
 * out for the whole pending lifetime.
 */
export const SERVE_LOCK_MS = 15 * 60_000

/**
 * Pending settlements in the seller's store: the one mechanism the gate (local settler or
 * facilitator) and the facilitator server share to remember an unknown outcome and resolve it when
 * the same payment comes back.
 */
export class PendingLedger {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /**
   * Remembers an unknown outcome and keeps the payment's claims as long as the record, so the
   * buyer can come back for PENDING_LIFETIME_MS. Never throws: without a record the claim still
   * stands, so nothing can be charged twice; the buyer just cannot be served through resolution.
   */
  async record(pending: PendingSettlement): Promise<boolean> {
    try {
      const text = encodePending(pending)
      for (const key of pending.keys) {
        await this.store.put(pendingKey(key), text, PENDING_LIFETIME_MS)
        await this.store.put(key, 'pending', PENDING_LIFETIME_MS)
      }
      return true
    } catch (error) {
      this.logger.error?.('tollgate: could not record a pending settlement; the payment stays claimed', {
        error: String(error),
        transaction: pending.transaction,
        payer: pending.payer,
      })
      return false
    }
  }

  /** The record kept under any of `keys`, with the key it was found under. Store failures throw. */
  async find(keys: readonly string[]): Promise<{ key: string; pending: PendingSettlement } | null> {
    for (const key of keys) {
      const pending = decodePending(await this.store.get(pendingKey(key)))
      if (pending) return { key, pending }
    }
    return null
  }

  /** Takes the right to resolve (and serve) the payment recorded under `key`; false when another presentation has it. */
  lock(key: string): Promise<boolean> {
    return this.store.claim(servedKey(key), SERVE_LOCK_MS)
  }

  async unlock(key: string): Promise<void> {
    await this.quietly('release a served lock', () => this.store.release(servedKey(key)))
  }

  /** The transfer was found on chain: later presentations need not ask the chain again. */
  async markSettled(pending: PendingSettlement, transaction: string): Promise<void> {
    const text = encodePending({ ...pending, state: 'settled', transaction })
    await this.quietly('mark a pending settlement settled', async () => {
      for (const key of pending.keys) await this.store.put(pendingKey(key), text, PENDING_LIFETIME_MS)
    })
  }

  /** The record is done with (served, or proven never charged). */
  async close(pending: PendingSettlement): Promise<void> {
    await this.quietly('drop a pending settlement record', async () => {
      for (const key of pending.keys) await this.store.release(pendingKey(key))
    })
  }

  private async quietly(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step()
    } catch (error) {
      this.logger.warn?.(`tollgate: could not ${what}; it will expire`, { error: String(error) })
    }
  }
}
