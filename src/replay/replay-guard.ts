import { silentLogger, type Logger } from '../logger.js'
import type { Store } from '../stores/store.js'

/**
 * Claims a payment's replay keys before the payment is verified, so that of any number of
 * concurrent presentations of one proof exactly one proceeds. Claims are released only when
 * nothing was broadcast; after a broadcast they stay until they expire, and by then the chain
 * itself remembers the authorization.
 *
 * Lifetimes (milliseconds; see claimLifetimeMs and the constants below):
 * - a claim being verified or settled: until the authorization's validBefore + 10 min, at least
 *   10 min, at most 1 day;
 * - a settled payment's claim: 15 min from settlement. The chain then remembers the nonce, and
 *   verification reads it (authorizationState), so a replay is still refused, now by the chain;
 *   a full memory store frees itself within 15 min instead of holding every claim for its whole life;
 * - a payment whose settlement outcome is unknown: 1 day (PENDING_LIFETIME_MS), so the buyer can
 *   come back with it and be served once it is found on chain.
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
   * Shortens the claims of a settled payment to SETTLED_CLAIM_MS (see the class comment). Never
   * throws: a claim that cannot be shortened keeps its longer lifetime, which is still safe.
   */
  async settled(keys: readonly string[]): Promise<void> {
    try {
      for (const key of keys) await this.store.put(key, 'settled', SETTLED_CLAIM_MS)
    } catch (error) {
      this.logger.warn?.('tollgate: could not shorten a settled payment claim; it keeps its lifetime', { error: String(error) })
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
const DAY = 24 * 60 * MINUTE

/** A settled payment's claim lives this long after settlement; the chain remembers the nonce after that. */
export const SETTLED_CLAIM_MS = 15 * MINUTE
/** A claim, and the pending record, of a payment whose settlement outcome is unknown. */
export const PENDING_LIFETIME_MS = DAY
/** The longest any unsettled claim lives, whatever the authorization's validBefore says. */
export const MAX_CLAIM_MS = DAY

/**
 * How long to hold a claim: until the authorization can no longer be settled, plus a margin for
 * clock skew and slow receipts, bounded so a far-future expiry (buyers may sign validBefore years
 * ahead) does not pin a store entry for longer than a day. Past the cap a replay still meets the
 * chain's own record of a used nonce; only an unused, never-settled authorization could be
 * presented again, and that charges nothing twice.
 */
export function claimLifetimeMs(validBeforeSeconds: bigint, nowMs: number): number {
  const remaining = Number(validBeforeSeconds) * 1000 - nowMs
  return Math.min(Math.max(remaining + 10 * MINUTE, 10 * MINUTE), MAX_CLAIM_MS)
}
