/**
 * The bounded store's answer to a call that succeeds after its timeout. The store is a real memory
 * store; the lateness is a wrapper that holds each answer until the test lets it go, the one fault
 * a memory store cannot have (test/stores/bounded-redis.test.ts does the same over a real Redis).
 */
import { describe, expect, it } from 'vitest'
import { boundedStore, memoryStore, StoreUnavailableError, type Store } from '../../src/index.js'

const HOUR = 3_600_000

/** A store whose answers wait for `letGo()`; the operation itself runs at once, as on a server. */
function lateStore(inner: Store) {
  let open!: () => void
  let gate = new Promise<void>((resolve) => (open = resolve))
  const late = <T>(result: Promise<T>): Promise<T> => result.then(async (value) => (await gate, value), async (error: unknown) => (await gate, Promise.reject(error)))
  const store: Store = {
    claim: (key, ttl) => late(inner.claim(key, ttl)),
    release: (key) => late(inner.release(key)),
    take: (key, limit, ttl, count) => late(inner.take(key, limit, ttl, count)),
    giveBack: (key, count) => late(inner.giveBack(key, count)),
    get: (key) => late(inner.get(key)),
    put: (key, value, ttl) => late(inner.put(key, value, ttl)),
  }
  return {
    store,
    /** Lets every held answer through; answers after this are prompt. */
    letGo: async () => {
      open()
      gate = Promise.resolve()
      // The late answers' callbacks, and any undo they start, run within a few ticks.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    },
  }
}

describe('boundedStore: a store call that succeeds after the timeout', () => {
  it('a late claim is released, so the payment can be presented again', async () => {
    const inner = memoryStore()
    const { store, letGo } = lateStore(inner)
    const warnings: string[] = []
    const bounded = boundedStore(store, 20, { warn: (message) => warnings.push(message) })
    await expect(bounded.claim('pay:1', HOUR)).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await inner.get('pay:1')).toBe('1')
    await letGo()
    expect(await inner.get('pay:1')).toBeNull()
    expect(warnings).toEqual(['tollgate: a store claim succeeded after its timeout; undoing it'])
  })

  it('a late claim that lost leaves the winner its claim', async () => {
    const inner = memoryStore()
    expect(await inner.claim('pay:2', HOUR)).toBe(true)
    const { store, letGo } = lateStore(inner)
    await expect(boundedStore(store, 20).claim('pay:2', HOUR)).rejects.toBeInstanceOf(StoreUnavailableError)
    await letGo()
    expect(await inner.claim('pay:2', HOUR)).toBe(false)
  })

  it('a late take gives its units back; a late take that got nothing gives nothing back', async () => {
    const inner = memoryStore()
    expect(await inner.take('calls', 10, HOUR, 4)).toBe(6)
    const { store, letGo } = lateStore(inner)
    const bounded = boundedStore(store, 20)
    await expect(bounded.take('calls', 10, HOUR, 5)).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(bounded.take('calls', 10, HOUR, 5)).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await inner.get('calls')).toBe('9')
    await letGo()
    expect(await inner.get('calls')).toBe('4')
  })

  it('a late put stays written: it carries its own lifetime, and undoing it could erase a newer write', async () => {
    const inner = memoryStore()
    const { store, letGo } = lateStore(inner)
    await expect(boundedStore(store, 20).put('record', 'v1', HOUR)).rejects.toBeInstanceOf(StoreUnavailableError)
    await letGo()
    expect(await inner.get('record')).toBe('v1')
  })

  it('an undo that fails is logged, and nothing throws', async () => {
    const inner = memoryStore()
    const { store, letGo } = lateStore(inner)
    const broken: Store = { ...store, release: () => Promise.reject(new Error('connection reset by https://user:pw@redis.example.com/0')) }
    const warnings: Array<[string, unknown]> = []
    const bounded = boundedStore(broken, 20, { warn: (message, fields) => warnings.push([message, fields]) })
    await expect(bounded.claim('pay:3', HOUR)).rejects.toBeInstanceOf(StoreUnavailableError)
    await letGo()
    expect(warnings.at(-1)).toEqual([
      'tollgate: could not undo a late store claim; the key expires with its lifetime',
      { error: 'connection reset by https://redis.example.com/…' },
    ])
    expect(await inner.get('pay:3')).toBe('1')
  })

  it('answers in time pass through untouched', async () => {
    const inner = memoryStore()
    const { store, letGo } = lateStore(inner)
    await letGo()
    const bounded = boundedStore(store, 5_000)
    expect(await bounded.claim('pay:4', HOUR)).toBe(true)
    expect(await bounded.take('n', 5, HOUR, 2)).toBe(3)
    expect(await inner.get('pay:4')).toBe('1')
    expect(await inner.get('n')).toBe('2')
  })
})
