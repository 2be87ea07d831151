/**
 * The atomic state tollgate needs, and nothing more. Every operation is one atomic step on the
 * backing store (no read-then-write), so several seller instances sharing one store can never
 * both accept the same payment.
 */
export interface Store {
  /** Set-if-absent with a lifetime. `true`: this caller now holds the key; `false`: it was held already. */
  claim(key: string, ttlMs: number): Promise<boolean>
  /** Drops a claim, so a payment that was never charged may be presented again. */
  release(key: string): Promise<void>
  /**
   * Takes `count` units (default 1) from the counter `key` (created on first use with lifetime
   * `ttlMs`, which later takes do not extend), all or none in one atomic step. Returns the units
   * left after this take, or `null`, taking nothing, when fewer than `count` of `limit` are left.
   */
  take(key: string, limit: number, ttlMs: number, count?: number): Promise<number | null>
  /**
   * Returns `count` units (default 1) taken from the counter `key` (a call that was not served).
   * Never below zero; a missing key stays missing; the lifetime is kept.
   */
  giveBack(key: string, count?: number): Promise<void>
  /** Reads a value written by `put`, or a counter's used units as a decimal string; `null` when absent or expired. */
  get(key: string): Promise<string | null>
  /** Writes a value with a lifetime, replacing any previous value (a claim too) and its lifetime. */
  put(key: string, value: string, ttlMs: number): Promise<void>
  close?(): Promise<void>
}

/** The units of one take or give-back: a positive whole number (a fraction or zero is a caller's bug). */
export function unitCount(count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`store: count must be a positive integer, not ${String(count)}`)
  return count
}
