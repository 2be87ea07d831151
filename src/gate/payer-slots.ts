/**
 * Counts, per payer, the payments verified and not yet settled or abandoned. Each such payment may
 * hold a handler's answer in memory, and one wallet can sign any number of authorizations for the
 * balance it has, so without a bound one cheap wallet could pin the seller's memory.
 */
export class PayerSlots {
  private readonly held = new Map<string, number>()
  private all = 0

  constructor(readonly limit: number = 8) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('pendingPerPayer must be a positive integer')
  }

  /** Takes a slot for `payer`; false when the payer already has `limit` payments in progress. */
  acquire(payer: string): boolean {
    const key = payer.toLowerCase()
    const count = this.held.get(key) ?? 0
    if (count >= this.limit) return false
    this.held.set(key, count + 1)
    this.all++
    return true
  }

  /** Gives a slot back; each acquire is matched by exactly one release. */
  release(payer: string): void {
    const key = payer.toLowerCase()
    const count = this.held.get(key) ?? 0
    if (count > 0) this.all--
    if (count <= 1) this.held.delete(key)
    else this.held.set(key, count - 1)
  }

  /** Payments in progress over all payers (a metrics gauge reads it). */
  total(): number {
    return this.all
  }

  /** Payments in progress for `payer` (for tests and health reports). */
  count(payer: string): number {
    return this.held.get(payer.toLowerCase()) ?? 0
  }
}
