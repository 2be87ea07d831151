/**
 * The cache of a route's plain 402s: at most `max` answers, each for `ttlMs`. Not lru-cache: with a
 * TTL it reads `performance.now()` and arms a timer to forget it on the request path, which cost
 * more than the rest of a cached 402. Oldest-first eviction is enough here: a hot URL is rebuilt
 * every `ttlMs` anyway, and an evicted answer is only built again, never wrong.
 */
export class ChallengeCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>()

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (this.now() < entry.expiresAt) return entry.value
    this.entries.delete(key)
    return undefined
  }

  set(key: string, value: V): void {
    this.entries.delete(key)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs })
  }

  get size(): number {
    return this.entries.size
  }
}
