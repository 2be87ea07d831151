import { redactUrls } from '../errors/redact.js'
import { StoreUnavailableError, TollgateError } from '../errors/tollgate-error.js'
import { silentLogger, type Logger } from '../logger.js'
import { MemoryStore } from './memory-store.js'
import type { Store } from './store.js'

/**
 * Wraps a Store so that every call ends within `timeoutMs` and every failure is a
 * StoreUnavailableError: a store that hangs must not hang the request, and the gate can then
 * fail closed on one error type.
 *
 * A call that timed out may still succeed on the server later. The caller was told it failed and
 * refused the request, so a late success is undone: a late claim is released (else that payment
 * could not be presented again until the claim expired, maybe days later) and a late take is given
 * back (else the buyer loses calls nothing was served for). A late put is left as it is: it wrote
 * what its caller asked for, carries its own lifetime, and undoing it could erase a newer write.
 * Releases and give-backs need no undoing: arriving late, they still do what was asked.
 */
export function boundedStore(store: Store, timeoutMs: number, logger: Logger = silentLogger): Store {
  // The memory store answers within the tick and fails only with StoreUnavailableError: no timer needed.
  if (store instanceof MemoryStore) return store
  const bound = <T>(operation: string, call: () => Promise<T>, undoLate?: (value: T) => Promise<void> | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        reject(new StoreUnavailableError(`store ${operation} did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      let pending: Promise<T>
      try {
        pending = call()
      } catch (error) {
        pending = Promise.reject(error)
      }
      pending.then(
        (value) => {
          clearTimeout(timer)
          if (timedOut) compensate(operation, () => undoLate?.(value), logger)
          else resolve(value)
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
    claim: (key, ttlMs) => bound('claim', () => store.claim(key, ttlMs), (won) => (won ? store.release(key) : undefined)),
    release: (key) => bound('release', () => store.release(key)),
    take: (key, limit, ttlMs, count = 1) =>
      bound('take', () => store.take(key, limit, ttlMs, count), (left) => (left !== null ? store.giveBack(key, count) : undefined)),
    giveBack: (key, count = 1) => bound('giveBack', () => store.giveBack(key, count)),
    get: (key) => bound('get', () => store.get(key)),
    put: (key, value, ttlMs) => bound('put', () => store.put(key, value, ttlMs)),
    close: () => store.close?.() ?? Promise.resolve(),
  }
}

/** Undoes a late success once; if that fails too, the key's own lifetime ends it. */
function compensate(operation: string, undo: () => Promise<void> | undefined, logger: Logger): void {
  let undoing: Promise<void> | undefined
  try {
    undoing = undo()
  } catch (error) {
    undoing = Promise.reject(error)
  }
  if (!undoing) return
  logger.warn?.(`tollgate: a store ${operation} succeeded after its timeout; undoing it`, {})
  undoing.catch((error: unknown) => {
    logger.warn?.(`tollgate: could not undo a late store ${operation}; the key expires with its lifetime`, { error: redactUrls(describe(error)) })
  })
}

function describe(error: unknown): string {
  if (error instanceof TollgateError) return error.message
  return error instanceof Error ? error.message : String(error)
}
