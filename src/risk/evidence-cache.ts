/**
 * Risk evidence per payment key, bounded in count and time: the decision is made at `authorize`
 * and read when the payment's receipt is written (the same process, moments later). Oldest first
 * out when full; an entry past its TTL is gone.
 */
export class EvidenceCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>()

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  set(key: string, value: T): void {
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt: this.clock() + this.ttlMs })
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string)
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  get size(): number {
    return this.entries.size
  }
}
