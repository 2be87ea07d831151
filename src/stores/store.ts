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
   * Takes one unit from the counter `key` (created on first use with lifetime `ttlMs`, which later
   * takes do not extend). Returns the units left after this take, or `null` when `limit` are spent.
   */
  take(key: string, limit: number, ttlMs: number): Promise<number | null>
  /** Returns one unit taken from the counter `key` (a call that was not served). Never below zero; a missing key stays missing. */
  giveBack(key: string): Promise<void>
  /** Reads a value written by `put`, or a counter's used units as a decimal string; `null` when absent or expired. */
  get(key: string): Promise<string | null>
  /** Writes a value with a lifetime, replacing any previous one. */
  put(key: string, value: string, ttlMs: number): Promise<void>
  close?(): Promise<void>
}
