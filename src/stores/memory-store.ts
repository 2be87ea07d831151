import { LRUCache } from 'lru-cache'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { Store } from './store.js'

export interface MemoryStoreOptions {
  /** Most keys held at once (default 100 000). When full of live keys, claims fail closed rather than evict. */
  maxEntries?: number
}

/**
 * A Store for one process. Each operation runs to completion within one tick, which makes it
 * atomic under Node's event loop. It refuses new claims when full instead of evicting a live one:
 * an evicted claim would let the same payment be accepted twice.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  private readonly cache: LRUCache<string, number | string>
  private readonly maxEntries: number

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000
    // The LRU bound is set above our own check so the cache never evicts on its own.
    this.cache = new LRUCache<string, number | string>({ max: this.maxEntries + 1, allowStale: false })
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.cache.has(key)) return false
    this.ensureRoom()
    this.cache.set(key, 1, { ttl: ttlMs })
    return true
  }

  async release(key: string): Promise<void> {
    this.cache.delete(key)
  }

  async take(key: string, limit: number, ttlMs: number): Promise<number | null> {
    const used = this.counter(key)
    if (used === undefined) {
      if (limit < 1) return null
      this.ensureRoom()
      this.cache.set(key, 1, { ttl: ttlMs })
      return limit - 1
    }
    if (used >= limit) return null
    this.cache.set(key, used + 1, { noUpdateTTL: true })
    return limit - used - 1
  }

  async giveBack(key: string): Promise<void> {
    const used = this.counter(key)
    if (used !== undefined && used > 0) this.cache.set(key, used - 1, { noUpdateTTL: true })
  }

  async get(key: string): Promise<string | null> {
    const value = this.cache.get(key)
    return value === undefined ? null : String(value)
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    if (!this.cache.has(key)) this.ensureRoom()
    this.cache.set(key, value, { ttl: ttlMs })
  }

  /** Keys currently held (expired ones excluded). */
  get size(): number {
    this.cache.purgeStale()
    return this.cache.size
  }

  async close(): Promise<void> {
    this.cache.clear()
  }

  private counter(key: string): number | undefined {
    const value = this.cache.get(key)
    if (value === undefined) return undefined
    if (typeof value !== 'number') throw new TypeError(`memory store key ${key} holds a value, not a counter`)
    return value
  }

  private ensureRoom(): void {
    if (this.cache.size < this.maxEntries) return
    this.cache.purgeStale()
    if (this.cache.size >= this.maxEntries) {
      throw new StoreUnavailableError(`memory store is full (${this.maxEntries} live keys); raise maxEntries or use a shared store`)
    }
  }
}

export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(options)
}
