/**
 * tollgateHealth's async settlement queue check: the depth of a real tollgate's queue (payments
 * served before settlement, not settled yet), 'degraded' past `maxDepth` or when the queue does not
 * answer in time, never 'down' (serving goes on: a payment the queue cannot take settles first).
 */
import { describe, expect, it } from 'vitest'
import { tollgateHealth } from '../../src/health/index.js'
import { asyncSettlement, ConfigurationError, createTollgate, localSettler, memorySettlementQueue, memoryStore, type SettlementQueue } from '../../src/index.js'
import type { QueuedSettlement } from '../../src/settlement/async-queue/queued-settlement.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
// Never dialed: nothing here reaches a chain (no route is built, so no network is connected).
const settler = () => localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })

function job(paymentKey: string): QueuedSettlement {
  return {
    paymentKey,
    method: 'exact-evm',
    envelope: {} as QueuedSettlement['envelope'],
    requirement: {} as QueuedSettlement['requirement'],
    keys: [paymentKey],
    route: '/data',
    payer: '0x1111111111111111111111111111111111111111',
    payTo: PAY_TO,
    amount: '10000',
    asset: '0x2222222222222222222222222222222222222222',
    network: 'eip155:84532',
    networkName: 'base-sepolia',
    x402Version: 2,
    scheme: 'exact',
    receivedAt: Date.now(),
    attempt: 0,
  }
}

function gateWith(queue: SettlementQueue) {
  // worker: false, so queued jobs stay queued (a separate worker tier would settle them).
  return createTollgate({ payTo: PAY_TO, settler: settler(), store: memoryStore(), singleInstance: true, asyncSettlement: asyncSettlement({ queue, worker: false }) })
}

describe('the async settlement queue in the health report', () => {
  it("reports the core's queue depth; past maxDepth the report is 'degraded' (still 200); drained, 'ok' again", async () => {
    const queue = memorySettlementQueue()
    const gate = gateWith(queue)
    const health = tollgateHealth({ core: gate, cacheMs: 0, queue: { maxDepth: 1 } })
    expect((await health.check()).checks.queue).toEqual({ status: 'ok', depth: 0 })

    await queue.add(job('k1'))
    expect((await health.check()).checks.queue).toEqual({ status: 'ok', depth: 1 })
    await queue.add(job('k2'))
    const report = await health.check()
    expect(report.checks.queue).toEqual({ status: 'degraded', depth: 2 })
    expect(report.status).toBe('degraded')
    expect((await health.answer()).status).toBe(200)

    // Taken by a worker, the jobs still count until they are done: the payments are still unsettled.
    const taken = await queue.take('worker-1', 10)
    expect((await health.check()).checks.queue?.depth).toBe(2)
    for (const delivery of taken) await queue.done(delivery)
    expect((await health.check()).checks.queue).toEqual({ status: 'ok', depth: 0 })
  })

  it('without maxDepth any depth is ok; a tollgate without asyncSettlement has no queue check', async () => {
    const queue = memorySettlementQueue()
    const health = tollgateHealth({ core: gateWith(queue), cacheMs: 0 })
    for (let i = 0; i < 5; i++) await queue.add(job(`k${i}`))
    expect((await health.check()).checks.queue).toEqual({ status: 'ok', depth: 5 })

    const plain = createTollgate({ payTo: PAY_TO, settler: settler(), store: memoryStore(), singleInstance: true })
    expect((await tollgateHealth({ core: plain, cacheMs: 0 }).check()).checks.queue).toBeUndefined()
  })

  it("a queue that does not answer in time, or fails, is 'degraded' with depth null, never 'down'", async () => {
    const base = memorySettlementQueue()
    // A real queue whose depth read stalls (a Redis that stopped answering): only that read is replaced.
    const stalled: SettlementQueue = { kind: base.kind, add: (j) => base.add(j), take: (c, n) => base.take(c, n), done: (d) => base.done(d), retry: (d, j) => base.retry(d, j), depth: () => new Promise(() => undefined) }
    const health = tollgateHealth({ core: gateWith(stalled), cacheMs: 0, timeoutMs: 50 })
    const report = await health.check()
    expect(report.checks.queue).toEqual({ status: 'degraded', depth: null })
    expect(report.status).toBe('degraded')

    const failing = tollgateHealth({ queue: { source: { depth: () => Promise.reject(new Error('READONLY')) } }, cacheMs: 0 })
    expect((await failing.check()).checks.queue).toEqual({ status: 'degraded', depth: null })
  })

  it('refuses a bad maxDepth or a source without depth()', () => {
    expect(() => tollgateHealth({ store: memoryStore(), queue: { maxDepth: -1 } })).toThrow(ConfigurationError)
    expect(() => tollgateHealth({ store: memoryStore(), queue: { maxDepth: 1.5 } })).toThrow(/queue\.maxDepth/)
    expect(() => tollgateHealth({ queue: { source: {} as never } })).toThrow(/queue\.source must have depth/)
  })
})
