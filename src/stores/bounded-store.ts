import { StoreUnavailableError, TollgateError } from '../errors/tollgate-error.js'
import { MemoryStore } from './memory-store.js'
import type { Store } from './store.js'

/**
 * Wraps a Store so that every call ends within `timeoutMs` and every failure is a
 * StoreUnavailableError: a store that hangs must not hang the request, and the gate can then
 * fail closed on one error type.
 */
export function boundedStore(store: Store, timeoutMs: number): Store {
  // The memory store answers within the tick and fails only with StoreUnavailableError: no timer needed.
  if (store instanceof MemoryStore) return store
  const bound = <T>(operation: string, call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StoreUnavailableError(`store ${operation} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      let pending: Promise<T>
      try {
        pending = call()
      } catch (error) {
        pending = Promise.reject(error)
      }
      pending.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(
            error instanceof StoreUnavailableError
              ? error
              : new StoreUnavailableError(`store ${operation} failed: ${describe(error)}`, { cause: error }),
          )
        },
      )
    })
  return {
    claim: (key, ttlMs) => bound('claim', () => store.claim(key, ttlMs)),
    release: (key) => bound('release', () => store.release(key)),
    take: (key, limit, ttlMs) => bound('take', () => store.take(key, limit, ttlMs)),
    giveBack: (key) => bound('giveBack', () => store.giveBack(key)),
    get: (key) => bound('get', () => store.get(key)),
    put: (key, value, ttlMs) => bound('put', () => store.put(key, value, ttlMs)),
    close: () => store.close?.() ?? Promise.resolve(),
  }
}

function describe(error: unknown): string {
  if (error instanceof TollgateError) return error.message
  return error instanceof Error ? error.message : String(error)
}
