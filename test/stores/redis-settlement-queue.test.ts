import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisSettlementQueue } from '../../src/settlement/async-queue/redis-queue.js'
import type { QueuedSettlement } from '../../src/settlement/async-queue/queued-settlement.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'

/**
 * The Redis Streams settlement queue against a real redis-server: at-least-once hand-out, a job
 * taken by a worker that died goes to another after claimIdleMs (marked redelivered), a retry
 * waits until it is due, finishing removes it, and a foreign entry is dropped, never handed out.
 */

const skip = requireRedisOrSkip('the Redis settlement queue')

function job(paymentKey: string, extra: Partial<QueuedSettlement> = {}): QueuedSettlement {
  return {
    paymentKey,
    method: 'exact:eip155:84532:0xtoken',
    envelope: { x402Version: 2, scheme: 'exact', network: 'eip155:84532', payload: { signature: '0x' } },
    requirement: { v2: { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: '0xtoken', payTo: '0xseller', maxTimeoutSeconds: 300, extra: {} } as never },
    keys: [paymentKey],
    route: 'content',
    payer: '0xbuyer',
    payTo: '0xseller',
    amount: '10000',
    asset: '0xtoken',
    network: 'eip155:84532',
    networkName: 'base-sepolia',
    x402Version: 2,
    scheme: 'exact',
    receivedAt: Date.now(),
    attempt: 0,
    ...extra,
  }
}

describe.skipIf(skip)('redisSettlementQueue', () => {
  let server: TestRedis
  let io: Redis
  let prefix = 0
  const fresh = (claimIdleMs = 200) => new RedisSettlementQueue({ client: io, prefix: `q${prefix++}:`, claimIdleMs })

  beforeAll(async () => {
    server = await startRedis()
    io = new Redis({ host: '127.0.0.1', port: server.port })
  })
  afterAll(async () => {
    io?.disconnect()
    await server?.stop()
  })

  it('hands each job to one worker; done removes it', async () => {
    const queue = fresh(60_000)
    await queue.add(job('a'))
    await queue.add(job('b'))
    expect(await queue.depth()).toBe(2)
    const first = await queue.take('w1', 1)
    const second = await queue.take('w2', 5)
    expect(first.map((d) => d.job.paymentKey)).toEqual(['a'])
    expect(second.map((d) => d.job.paymentKey)).toEqual(['b'])
    expect(first[0]!.redelivered).toBe(false)
    expect(await queue.take('w3', 5)).toEqual([])
    for (const d of [...first, ...second]) await queue.done(d)
    expect(await queue.depth()).toBe(0)
  })

  it("a job a dead worker left unfinished is handed to another after claimIdleMs, marked redelivered", async () => {
    const queue = fresh(200)
    await queue.add(job('c'))
    const [taken] = await queue.take('dead-worker', 1)
    expect(taken?.job.paymentKey).toBe('c')
    expect(await queue.take('other', 1)).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 300))
    const [again] = await queue.take('other', 1)
    expect(again).toMatchObject({ id: taken!.id, redelivered: true, job: { paymentKey: 'c' } })
    await queue.done(again!)
    expect(await queue.depth()).toBe(0)
  })

  it('a retry is held until due, then handed out with its new attempt count', async () => {
    const queue = fresh(60_000)
    await queue.add(job('d'))
    const [taken] = await queue.take('w', 1)
    await queue.retry(taken!, { ...taken!.job, attempt: 1, notBefore: Date.now() + 400 })
    expect(await queue.depth()).toBe(1)
    expect(await queue.take('w', 1)).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 500))
    const [due] = await queue.take('w', 1)
    expect(due?.job).toMatchObject({ paymentKey: 'd', attempt: 1 })
    await queue.done(due!)
    expect(await queue.depth()).toBe(0)
  })

  it('an entry that is not a job is dropped, never handed out', async () => {
    const queue = fresh(60_000)
    await queue.add(job('e'))
    await io.call('XADD', `q${prefix - 1}:{settlements}`, '*', 'job', '{"not":"a job"}')
    const taken = await queue.take('w', 5)
    expect(taken.map((d) => d.job.paymentKey)).toEqual(['e'])
    await queue.done(taken[0]!)
    expect(await queue.depth()).toBe(0)
  })

  it('works through node-redis sendCommand too, and survives the group existing already', async () => {
    const client = createClient({ url: server.url })
    await client.connect()
    try {
      const queue = new RedisSettlementQueue({ sendCommand: (args) => client.sendCommand(args), prefix: 'nr:' })
      const again = new RedisSettlementQueue({ sendCommand: (args) => client.sendCommand(args), prefix: 'nr:' })
      await queue.add(job('f'))
      const [taken] = await again.take('w', 1)
      expect(taken?.job.paymentKey).toBe('f')
      await again.done(taken!)
      expect(await queue.depth()).toBe(0)
    } finally {
      await client.quit()
    }
  })
})
