/**
 * The Redis store on a real redis-server (started here, stopped by pid): the store contract over
 * both clients, and what is Redis-specific: key prefixes, bounded key length, script caching.
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundedStore, ConfigurationError, StoreUnavailableError } from '../../src/index.js'
import { MAX_RAW_KEY_BYTES, RedisStore, redisStore, type SendCommand } from '../../src/redis.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { runStoreContract } from './store-contract.js'

const HOUR = 3_600_000
const skip = requireRedisOrSkip('redis store')

describe.skipIf(skip)('RedisStore on a real redis-server', () => {
  let server: TestRedis
  let io: Redis
  let node: ReturnType<typeof createClient>

  beforeAll(async () => {
    server = await startRedis()
    io = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true })
    await io.connect()
    node = createClient({ url: server.url })
    await node.connect()
  })

  afterAll(async () => {
    io?.disconnect()
    await node?.close()
    await server?.stop()
  })

  runStoreContract('RedisStore over an ioredis client', () => redisStore({ client: io }))
  runStoreContract('RedisStore over node-redis sendCommand', () =>
    redisStore({ sendCommand: (args) => node.sendCommand(args), prefix: 'node-redis:' }),
  )
  runStoreContract('RedisStore over ioredis sendCommand', () => redisStore({ sendCommand: (args) => io.call(...(args as [string])) }))

  describe('keys', () => {
    it("are prefixed 'tollgate:' by default, and prefixes keep applications apart", async () => {
      const plain = redisStore(io)
      const appA = redisStore({ client: io, prefix: 'app-a:' })
      const appB = redisStore({ client: io, prefix: 'app-b:' })
      expect(await plain.claim('prefix-test', HOUR)).toBe(true)
      expect(await appA.claim('prefix-test', HOUR)).toBe(true)
      expect(await appB.claim('prefix-test', HOUR)).toBe(true)
      expect(await appA.claim('prefix-test', HOUR)).toBe(false)
      expect(await io.get('tollgate:prefix-test')).toBe('1')
      expect(await io.get('app-a:prefix-test')).toBe('1')
      await appA.put('prefixed-value', 'v', HOUR)
      expect(await io.get('app-a:prefixed-value')).toBe('v')
    })

    it('a claim, a counter and a value carry the lifetime they were given', async () => {
      const store = redisStore(io)
      await store.claim('ttl-claim', 60_000)
      await store.take('ttl-counter', 3, 60_000)
      await store.put('ttl-value', 'x', 60_000)
      for (const key of ['tollgate:ttl-claim', 'tollgate:ttl-counter', 'tollgate:ttl-value']) {
        const pttl = await io.pttl(key)
        expect(pttl).toBeGreaterThan(0)
        expect(pttl).toBeLessThanOrEqual(60_000)
      }
    })

    it(`longer than ${MAX_RAW_KEY_BYTES} bytes are stored under their SHA-256, and still behave as themselves`, async () => {
      const store = redisStore(io)
      const sha = (text: string) => createHash('sha256').update(text).digest('hex')
      const longest = 'k'.repeat(MAX_RAW_KEY_BYTES)
      const tooLong = 'k'.repeat(MAX_RAW_KEY_BYTES + 1)
      const multibyte = 'é'.repeat(MAX_RAW_KEY_BYTES / 2 + 1) // 202 bytes in 101 characters
      expect(await store.redisKey(longest)).toBe(`tollgate:${longest}`)
      expect(await store.redisKey(tooLong)).toBe(`tollgate:h:${sha(tooLong)}`)
      expect(await store.redisKey(multibyte)).toBe(`tollgate:h:${sha(multibyte)}`)

      expect(await store.claim(tooLong, HOUR)).toBe(true)
      expect(await store.claim(tooLong, HOUR)).toBe(false)
      expect(await store.claim(tooLong.slice(0, -1) + 'x', HOUR)).toBe(true)
      expect(await io.exists(`tollgate:${tooLong}`)).toBe(0)
      expect(await io.exists(`tollgate:h:${sha(tooLong)}`)).toBe(1)
      await store.release(tooLong)
      expect(await store.claim(tooLong, HOUR)).toBe(true)
      expect(await store.take(multibyte, 2, HOUR)).toBe(1)
      expect(await store.get(multibyte)).toBe('1')

      const huge = 'x'.repeat(100_000)
      await store.put(huge, 'stored', HOUR)
      expect(await store.get(huge)).toBe('stored')
      expect((await store.redisKey(huge)).length).toBe('tollgate:h:'.length + 64)
    })

    it("short keys that look hashed ('h:…') are hashed too, so they cannot meet a hashed long key", async () => {
      const store = redisStore(io)
      const long = 'z'.repeat(MAX_RAW_KEY_BYTES + 1)
      const lookalike = (await store.redisKey(long)).slice('tollgate:'.length)
      expect(lookalike).toMatch(/^h:[0-9a-f]{64}$/)
      expect(await store.redisKey(lookalike)).not.toBe(await store.redisKey(long))
      expect(await store.claim(long, HOUR)).toBe(true)
      expect(await store.claim(lookalike, HOUR)).toBe(true)
    })
  })

  describe('scripts', () => {
    it('run by EVALSHA; after SCRIPT FLUSH one EVAL loads them again, with the right answers', async () => {
      const sent: string[] = []
      const recording: SendCommand = (args) => {
        sent.push(args[0] as string)
        return io.call(...(args as [string]))
      }
      const store = redisStore({ sendCommand: recording, prefix: 'scripts:' })
      expect(await store.take('flush', 3, HOUR)).toBe(2)
      await io.script('FLUSH')
      sent.length = 0
      expect(await store.take('flush', 3, HOUR)).toBe(1)
      expect(sent).toEqual(['EVALSHA', 'EVAL'])
      sent.length = 0
      expect(await store.take('flush', 3, HOUR)).toBe(0)
      expect(await store.take('flush', 3, HOUR)).toBeNull()
      expect(sent).toEqual(['EVALSHA', 'EVALSHA'])

      await io.script('FLUSH')
      sent.length = 0
      await store.giveBack('flush')
      expect(sent).toEqual(['EVALSHA', 'EVAL'])
      expect(await store.get('flush')).toBe('2')
    })
  })

  describe('configuration and failures', () => {
    it('an ioredis client can be passed directly; a missing transport is a ConfigurationError', async () => {
      expect(await redisStore(io).claim('direct-client', HOUR)).toBe(true)
      expect(() => redisStore({} as never)).toThrow(ConfigurationError)
      expect(() => redisStore({ sendCommand: 'SET' as never })).toThrow(/sendCommand must be a function/)
      expect(() => redisStore({ client: {} as never })).toThrow(/no call method/)
      expect(new RedisStore({ client: io }).kind).toBe('redis')
    })

    it('a command that fails rejects (never a silent false), and the gate sees StoreUnavailableError', async () => {
      const refused = redisStore({ sendCommand: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) })
      await expect(refused.claim('k', HOUR)).rejects.toThrow(/ECONNREFUSED/)
      await expect(refused.take('k', 1, HOUR)).rejects.toThrow(/ECONNREFUSED/)
      await expect(boundedStore(refused, 500).claim('k', HOUR)).rejects.toBeInstanceOf(StoreUnavailableError)
      const odd = redisStore({ sendCommand: async () => 'QUEUED' })
      await expect(odd.claim('k', HOUR)).rejects.toThrow(/unexpected reply/)
    })
  })
})
