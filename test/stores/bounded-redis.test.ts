/**
 * A Redis whose replies arrive after the bounded store's timeout: the command ran on the server,
 * the request was refused (503), and the late success is undone, so no claim or prepaid take is
 * left behind. Real redis-server, real client, a delaying TCP proxy between them.
 */
import { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundedStore, StoreUnavailableError } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { startDelayProxy, type DelayProxy } from './delay-proxy.js'

const HOUR = 3_600_000
// The timeout is far below the delay, so which comes first never depends on the machine's load.
const TIMEOUT_MS = 200
const REPLY_DELAY_MS = 2_000
const skip = requireRedisOrSkip('bounded store over a slow redis')

/** Polls until `check` holds (the late reply and its undoing take a moment), without asserting times. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await sleep(50)
  }
}

describe.skipIf(skip)('boundedStore over a Redis that answers late', () => {
  let server: TestRedis
  let proxy: DelayProxy
  let slow: Redis
  let direct: Redis

  beforeAll(async () => {
    server = await startRedis()
    proxy = await startDelayProxy(server.port)
    slow = new Redis({ host: '127.0.0.1', port: proxy.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    await slow.connect()
    direct = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true })
    await direct.connect()
  })

  afterAll(async () => {
    slow?.disconnect()
    direct?.disconnect()
    await proxy?.close()
    await server?.stop()
  })

  const slowly = async <T>(call: () => Promise<T>): Promise<unknown> => {
    proxy.delayMs = REPLY_DELAY_MS
    try {
      return await call().catch((error: unknown) => error)
    } finally {
      proxy.delayMs = 0
    }
  }

  /**
   * Replies on one connection come in order: once a PING sent now is answered, every late reply
   * has arrived, and any undo it triggered (sent within a few ticks of it) has run on the server.
   */
  const lateRepliesArrived = async () => {
    await slow.ping()
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    await slow.ping()
  }

  it('a claim that succeeds after the timeout is released: the payment can be presented again', async () => {
    const store = boundedStore(redisStore({ client: slow, prefix: 'late:' }), TIMEOUT_MS)
    expect(await slowly(() => store.claim('claim-1', HOUR))).toBeInstanceOf(StoreUnavailableError)
    // The SET NX reached Redis: the claim exists although the caller was told the store failed...
    expect(await direct.get('late:claim-1')).toBe('1')
    // ...until its late reply arrives and the claim is released.
    await eventually(async () => (await direct.exists('late:claim-1')) === 0, 'the late claim was released')
    await lateRepliesArrived()
    expect(await store.claim('claim-1', HOUR)).toBe(true)
  })

  it('a late claim that lost (someone else held the key) releases nothing', async () => {
    const store = boundedStore(redisStore({ client: slow, prefix: 'late:' }), TIMEOUT_MS)
    expect(await store.claim('claim-2', HOUR)).toBe(true)
    expect(await slowly(() => store.claim('claim-2', HOUR))).toBeInstanceOf(StoreUnavailableError)
    await lateRepliesArrived()
    expect(await direct.get('late:claim-2')).toBe('1')
    expect(await store.claim('claim-2', HOUR)).toBe(false)
  })

  it('a prepaid take that succeeds after the timeout is given back: the counter is where it was', async () => {
    const store = boundedStore(redisStore({ client: slow, prefix: 'late:' }), TIMEOUT_MS)
    expect(await store.take('calls-1', 100, HOUR, 2)).toBe(98)
    expect(await slowly(() => store.take('calls-1', 100, HOUR, 5))).toBeInstanceOf(StoreUnavailableError)
    expect(await direct.get('late:calls-1')).toBe('7')
    await eventually(async () => (await direct.get('late:calls-1')) === '2', 'the late take was given back')
    await lateRepliesArrived()
    expect(await store.take('calls-1', 100, HOUR, 98)).toBe(0)
  })
})
