import { describe, expect, it } from 'vitest'
import { MemoryStore, StoreUnavailableError } from '../../src/index.js'

// The Store contract (claims, counters, values, lifetimes, races) runs against this store in
// test/stores; here is only what is particular to keeping state in one process's memory.
describe('MemoryStore', () => {
  it('fails closed instead of evicting live claims when full', async () => {
    const store = new MemoryStore({ maxEntries: 3 })
    for (const key of ['a', 'b', 'c']) expect(await store.claim(key, 60_000)).toBe(true)
    await expect(store.claim('d', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.take('e', 5, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(store.put('f', 'v', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await store.claim('a', 60_000)).toBe(false) // the oldest claim is still held
    await store.release('b')
    expect(await store.claim('d', 60_000)).toBe(true)
    expect(store.size).toBe(3)
  })

  it('makes room from expired keys before refusing', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    expect(await store.claim('short', 1)).toBe(true)
    expect(await store.claim('long', 60_000)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.claim('new', 60_000)).toBe(true)
  })
})
