import { silentLogger, type Logger } from '../logger.js'
import type { Store } from '../stores/store.js'

/**
 * Claims a payment's replay keys before the payment is verified, so that of any number of
 * concurrent presentations of one proof exactly one proceeds. Claims are released only when
 * nothing was broadcast; after a broadcast they stay until they expire, and by then the chain
 * itself remembers the authorization.
 */
export class ReplayGuard {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** `true` when every key was free and is now held; otherwise nothing stays held. Store failures throw. */
  async claim(keys: readonly string[], ttlMs: number): Promise<boolean> {
    const held: string[] = []
    try {
      for (const key of keys) {
        if (!(await this.store.claim(key, ttlMs))) {
          await this.releaseQuietly(held)
          return false
        }
        held.push(key)
      }
      return true
    } catch (error) {
      await this.releaseQuietly(held)
      throw error
    }
  }

  /**
   * Frees claims so the payment may be presented again. Never throws: a claim that cannot be
   * released expires by itself, and failing closed is the safe outcome.
   */
  async releaseQuietly(keys: readonly string[]): Promise<void> {
    try {
      for (const key of keys) await this.store.release(key)
    } catch (error) {
      this.logger.warn?.('tollgate: could not release a payment claim; it will expire', { error: String(error) })
    }
  }
}

const MINUTE = 60_000
const WEEK = 7 * 24 * 60 * MINUTE

/**
 * How long to hold a claim: until the authorization can no longer be settled, plus a margin for
 * clock skew and slow receipts, bounded so a far-future expiry does not pin memory for years.
 */
export function claimLifetimeMs(validBeforeSeconds: bigint, nowMs: number): number {
  const remaining = Number(validBeforeSeconds) * 1000 - nowMs
  return Math.min(Math.max(remaining + 10 * MINUTE, 10 * MINUTE), WEEK)
}
