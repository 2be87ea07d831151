import { describe, expect, it } from 'vitest'
import { MemoryStore, StoreUnavailableError } from '../../src/index.js'
import { DEFAULT_MAX_ENTRIES } from '../../src/stores/memory-store.js'

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

  it('when full, still works on the keys it holds: a put over a claim, a take on a counter, a give-back', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    expect(await store.claim('claim', 60_000)).toBe(true)
    expect(await store.take('counter', 10, 60_000, 3)).toBe(7)
    await expect(store.claim('third', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    await store.put('claim', 'settled', 60_000)
    expect(await store.get('claim')).toBe('settled')
    expect(await store.take('counter', 10, 60_000, 2)).toBe(5)
    await store.giveBack('counter', 5)
    expect(await store.get('counter')).toBe('0')
  })

  it('a store full of settled claims frees itself once their shortened lifetimes end', async () => {
    const store = new MemoryStore({ maxEntries: 3 })
    for (const key of ['a', 'b', 'c']) expect(await store.claim(key, 86_400_000)).toBe(true)
    await expect(store.claim('d', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    // What the gate does once a payment settled: the claim's lifetime shrinks to the authorization's.
    for (const key of ['a', 'b', 'c']) await store.put(key, 'settled', 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.claim('d', 60_000)).toBe(true)
    expect(store.size).toBe(1)
  })

  it('holds 100 000 keys by default', async () => {
    expect(DEFAULT_MAX_ENTRIES).toBe(100_000)
    const store = new MemoryStore()
    for (let i = 0; i < DEFAULT_MAX_ENTRIES; i++) await store.claim(`k${i}`, 60_000)
    await expect(store.claim('one-more', 60_000)).rejects.toThrow(/memory store is full \(100000 live keys\)/)
    expect(store.size).toBe(DEFAULT_MAX_ENTRIES)
  })

  it('makes room from expired keys before refusing', async () => {
    const store = new MemoryStore({ maxEntries: 2 })
    expect(await store.claim('short', 1)).toBe(true)
    expect(await store.claim('long', 60_000)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.claim('new', 60_000)).toBe(true)
  })
})
