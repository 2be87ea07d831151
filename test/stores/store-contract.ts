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

      it('take(count) takes several units at once, or none when fewer are left', async () => {
        const store = await makeStore()
        expect(await store.take(key('bulk'), 100, HOUR, 5)).toBe(95)
        expect(await store.get(key('bulk'))).toBe('5')
        expect(await store.take(key('bulk'), 100, HOUR, 90)).toBe(5)
        expect(await store.take(key('bulk'), 100, HOUR, 6)).toBeNull()
        expect(await store.get(key('bulk'))).toBe('95')
        expect(await store.take(key('bulk'), 100, HOUR, 5)).toBe(0)
        expect(await store.take(key('bulk'), 100, HOUR, 1)).toBeNull()
        // A first take larger than the limit creates nothing.
        expect(await store.take(key('bulk-first'), 3, HOUR, 5)).toBeNull()
        expect(await store.get(key('bulk-first'))).toBeNull()
      })

      it('giveBack(count) returns several units, never below zero', async () => {
        const store = await makeStore()
        expect(await store.take(key('bulk-give'), 10, HOUR, 7)).toBe(3)
        await store.giveBack(key('bulk-give'), 5)
        expect(await store.get(key('bulk-give'))).toBe('2')
        await store.giveBack(key('bulk-give'), 5)
        expect(await store.get(key('bulk-give'))).toBe('0')
        await store.giveBack(key('bulk-absent'), 5)
        expect(await store.get(key('bulk-absent'))).toBeNull()
      })

      it('concurrent takes of 5 on a limit of 23: exactly 4 succeed, and 3 units stay', async () => {
        const store = await makeStore()
        const results = await Promise.all(Array.from({ length: 30 }, () => store.take(key('bulk-race'), 23, HOUR, 5)))
        expect(results.filter((left) => left !== null).sort((a, b) => (a as number) - (b as number))).toEqual([3, 8, 13, 18])
        expect(await store.get(key('bulk-race'))).toBe('20')
        expect(await store.take(key('bulk-race'), 23, HOUR, 4)).toBeNull()
        expect(await store.take(key('bulk-race'), 23, HOUR, 3)).toBe(0)
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

      it('put over a claim replaces its value and its lifetime (a settled claim can be shortened)', async () => {
        const store = await makeStore()
        expect(await store.claim(key('claim-put'), HOUR)).toBe(true)
        await store.put(key('claim-put'), 'settled', 300)
        expect(await store.get(key('claim-put'))).toBe('settled')
        expect(await store.claim(key('claim-put'), HOUR)).toBe(false)
        await sleep(450)
        expect(await store.get(key('claim-put'))).toBeNull()
        expect(await store.claim(key('claim-put'), HOUR)).toBe(true)
        // And lengthened: a put's lifetime replaces the claim's, whichever is longer.
        expect(await store.claim(key('claim-long'), 300)).toBe(true)
        await store.put(key('claim-long'), 'pending', HOUR)
        await sleep(450)
        expect(await store.get(key('claim-long'))).toBe('pending')
        expect(await store.claim(key('claim-long'), HOUR)).toBe(false)
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
