import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { MemoryStore, StoreUnavailableError } from '../../src/index.js'

describe('MemoryStore', () => {
  it('claims a key once until it is released', async () => {
    const store = new MemoryStore()
    expect(await store.claim('k', 60_000)).toBe(true)
    expect(await store.claim('k', 60_000)).toBe(false)
    await store.release('k')
    expect(await store.claim('k', 60_000)).toBe(true)
  })

  it('lets exactly one of many concurrent claims win', async () => {
    const store = new MemoryStore()
    const results = await Promise.all(Array.from({ length: 100 }, () => store.claim('same', 60_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  // lru-cache reads the clock it captured at load, so these wait out short real lifetimes.
  it('expires claims after their lifetime', async () => {
    const store = new MemoryStore()
    expect(await store.claim('k', 30)).toBe(true)
    expect(await store.claim('k', 30)).toBe(false)
    await sleep(60)
    expect(await store.claim('k', 30)).toBe(true)
  })

  it('counts down a limit with take(), without extending the lifetime', async () => {
    const store = new MemoryStore()
    expect(await Promise.all([1, 2, 3, 4].map(() => store.take('c', 3, 60_000)))).toEqual([2, 1, 0, null])
    // A take halfway through must not push the expiry back: the counter still resets at 80 ms.
    expect(await store.take('short', 5, 80)).toBe(4)
    await sleep(50)
    expect(await store.take('short', 5, 80)).toBe(3)
    await sleep(50)
    expect(await store.take('short', 5, 80)).toBe(4)
  })

  it('gives a taken unit back, never below zero, and reads counters and values', async () => {
    const store = new MemoryStore()
    expect(await store.take('c', 2, 60_000)).toBe(1)
    expect(await store.take('c', 2, 60_000)).toBe(0)
    expect(await store.take('c', 2, 60_000)).toBeNull()
    await store.giveBack('c')
    expect(await store.get('c')).toBe('1')
    expect(await store.take('c', 2, 60_000)).toBe(0)
    await store.giveBack('c')
    await store.giveBack('c')
    await store.giveBack('c')
    expect(await store.get('c')).toBe('0')
    await store.giveBack('missing')
    expect(await store.get('missing')).toBeNull()
    await store.put('v', 'hello', 60_000)
    expect(await store.get('v')).toBe('hello')
    await store.put('v', 'again', 60_000)
    expect(await store.get('v')).toBe('again')
    await expect(store.take('v', 5, 60_000)).rejects.toThrow(/holds a value/)
  })

  it('fails closed instead of evicting live claims when full', async () => {
    const store = new MemoryStore({ maxEntries: 3 })
    for (const key of ['a', 'b', 'c']) expect(await store.claim(key, 60_000)).toBe(true)
    await expect(store.claim('d', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError)
    expect(await store.claim('a', 60_000)).toBe(false) // the oldest claim is still held
    await store.release('b')
    expect(await store.claim('d', 60_000)).toBe(true)
  })
})
