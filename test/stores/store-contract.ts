/**
 * What every Store must do, whatever backs it. The memory store is the reference; each store's
 * test file runs this suite against it. Keys carry a random tag so stores over one shared server
 * never see each other's keys.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/index.js'

const HOUR = 3_600_000

export function runStoreContract(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const tag = randomBytes(4).toString('hex')
    const key = (label: string) => `contract:${tag}:${label}`

    describe('claim and release', () => {
      it('claims a key once until it is released', async () => {
        const store = await makeStore()
        expect(await store.claim(key('once'), HOUR)).toBe(true)
        expect(await store.claim(key('once'), HOUR)).toBe(false)
        expect(await store.claim(key('other'), HOUR)).toBe(true)
        await store.release(key('once'))
        expect(await store.claim(key('once'), HOUR)).toBe(true)
      })

      it('releasing a key that is not held changes nothing', async () => {
        const store = await makeStore()
        await store.release(key('never'))
        expect(await store.claim(key('never'), HOUR)).toBe(true)
      })

      it('100 concurrent claims of one key: exactly one wins', async () => {
        const store = await makeStore()
        const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(key('race'), HOUR)))
        expect(results.filter((won) => won)).toHaveLength(1)
      })

      // Lifetimes leave hundreds of milliseconds to spare: a loaded CI machine can stall that long between two calls.
      it('a claim expires after its lifetime', async () => {
        const store = await makeStore()
        expect(await store.claim(key('ttl'), 300)).toBe(true)
        expect(await store.claim(key('ttl'), 300)).toBe(false)
        await sleep(450)
        expect(await store.claim(key('ttl'), 300)).toBe(true)
      })
    })

    describe('counters', () => {
      it('take counts down to the limit, then answers null', async () => {
        const store = await makeStore()
        const results: Array<number | null> = []
        for (let i = 0; i < 4; i++) results.push(await store.take(key('count'), 3, HOUR))
        expect(results).toEqual([2, 1, 0, null])
        expect(await store.get(key('count'))).toBe('3')
      })

      it('100 concurrent takes on a limit of 10: exactly 10 succeed, each seeing a different remainder', async () => {
        const store = await makeStore()
        const results = await Promise.all(Array.from({ length: 100 }, () => store.take(key('burst'), 10, HOUR)))
        const granted = results.filter((left): left is number => left !== null)
        expect(granted).toHaveLength(10)
        expect([...granted].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        expect(await store.get(key('burst'))).toBe('10')
      })

      it('a limit below one grants nothing and creates nothing', async () => {
        const store = await makeStore()
        expect(await store.take(key('zero'), 0, HOUR)).toBeNull()
        expect(await store.get(key('zero'))).toBeNull()
      })

      // Lifetimes are generous against scheduling delays: only the last take is past the first one's lifetime.
      it('the lifetime runs from the first take; later takes do not extend it', async () => {
        const store = await makeStore()
        expect(await store.take(key('window'), 5, 600)).toBe(4)
        await sleep(300)
        expect(await store.take(key('window'), 5, 600)).toBe(3)
        await sleep(400)
        expect(await store.take(key('window'), 5, 600)).toBe(4)
      })

      it('giveBack returns one unit, never below zero, and a missing counter stays missing', async () => {
        const store = await makeStore()
        expect(await store.take(key('give'), 2, HOUR)).toBe(1)
        expect(await store.take(key('give'), 2, HOUR)).toBe(0)
        expect(await store.take(key('give'), 2, HOUR)).toBeNull()
        await store.giveBack(key('give'))
        expect(await store.get(key('give'))).toBe('1')
        expect(await store.take(key('give'), 2, HOUR)).toBe(0)
        for (let i = 0; i < 3; i++) await store.giveBack(key('give'))
        expect(await store.get(key('give'))).toBe('0')
        await store.giveBack(key('absent'))
        expect(await store.get(key('absent'))).toBeNull()
      })

      it('giveBack keeps the lifetime', async () => {
        const store = await makeStore()
        expect(await store.take(key('give-ttl'), 5, 600)).toBe(4)
        await sleep(300)
        await store.giveBack(key('give-ttl'))
        expect(await store.get(key('give-ttl'))).toBe('0')
        await sleep(400)
        expect(await store.get(key('give-ttl'))).toBeNull()
      })

      it('concurrent takes and give-backs never grant more than the limit allows', async () => {
        const store = await makeStore()
        const first = await Promise.all(Array.from({ length: 20 }, () => store.take(key('mixed'), 10, HOUR)))
        expect(first.filter((left) => left !== null)).toHaveLength(10)
        await Promise.all(Array.from({ length: 4 }, () => store.giveBack(key('mixed'))))
        const second = await Promise.all(Array.from({ length: 20 }, () => store.take(key('mixed'), 10, HOUR)))
        expect(second.filter((left) => left !== null)).toHaveLength(4)
        expect(await store.get(key('mixed'))).toBe('10')
      })
    })

    describe('values', () => {
      it('put writes, get reads, a second put replaces, absent keys read null', async () => {
        const store = await makeStore()
        expect(await store.get(key('value'))).toBeNull()
        await store.put(key('value'), 'hello', HOUR)
        expect(await store.get(key('value'))).toBe('hello')
        await store.put(key('value'), '{"id":"é✓"}', HOUR)
        expect(await store.get(key('value'))).toBe('{"id":"é✓"}')
      })

      it('a value expires after its lifetime', async () => {
        const store = await makeStore()
        await store.put(key('short'), 'soon gone', 300)
        expect(await store.get(key('short'))).toBe('soon gone')
        await sleep(450)
        expect(await store.get(key('short'))).toBeNull()
      })

      it('a key holding a value is not a counter: take rejects', async () => {
        const store = await makeStore()
        await store.put(key('not-counter'), 'hello', HOUR)
        await expect(store.take(key('not-counter'), 5, HOUR)).rejects.toThrow(/holds a value/)
        expect(await store.get(key('not-counter'))).toBe('hello')
      })
    })
  })
}
