import { LRUCache } from 'lru-cache'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import { unitCount, type Store } from './store.js'

export interface MemoryStoreOptions {
  /** Most keys held at once (default 100 000). When full of live keys, new keys fail closed rather than evict. */
  maxEntries?: number
}

export const DEFAULT_MAX_ENTRIES = 100_000

/**
 * A Store for one process. Each operation runs to completion within one tick, which makes it
 * atomic under Node's event loop.
 *
 * The numbers: it holds at most `maxEntries` keys (default 100 000). A key is a claimed payment, a
 * prepaid counter or a record; a payment's claim takes about 300 bytes of heap, so about 30 MB at
 * the default cap (measured on Node 20 with EVM replay keys). Every key has a
 * lifetime and leaves at its expiry; expired keys are dropped as soon as room is needed. When the
 * store is full of live keys, an operation that would add a key (a new claim, a first take, a new
 * record) throws StoreUnavailableError, so the gate answers 503 store_unavailable and charges
 * nothing; operations on existing keys still work. It never evicts a live key: an evicted claim
 * would let the same payment be accepted twice. How long a payment's claim lives is the gate's
 * choice (until the authorization can no longer be settled, plus a margin).
 */
export class MemoryStore implements Store {
  readonly kind = 'memory'
  private readonly cache: LRUCache<string, number | string>
  private readonly maxEntries: number

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
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

  async take(key: string, limit: number, ttlMs: number, count = 1): Promise<number | null> {
    const units = unitCount(count)
    const used = this.counter(key)
    if (used === undefined) {
      if (units > limit) return null
      this.ensureRoom()
      this.cache.set(key, units, { ttl: ttlMs })
      return limit - units
    }
    if (used + units > limit) return null
    this.cache.set(key, used + units, { noUpdateTTL: true })
    return limit - used - units
  }

  async giveBack(key: string, count = 1): Promise<void> {
    const units = unitCount(count)
    const used = this.counter(key)
    if (used !== undefined && used > 0) this.cache.set(key, Math.max(used - units, 0), { noUpdateTTL: true })
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
