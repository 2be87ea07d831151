/**
 * tollgateHealth without servers: how parts map to statuses, the unknown-settlement count kept from
 * hooks events, bounds on a store that stalls or throws, sharing of one check, option checks.
 * Real-server behaviour (Redis, anvil, facilitators) is in test/e2e/health-*.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { SettledEvent, SettlementFailedEvent } from '../../src/hooks/hook-types.js'
import { tollgateHealth } from '../../src/health/index.js'
import { ConfigurationError, memoryStore, type EvmSettler, type GasStatus, type Store } from '../../src/index.js'
import { PENDING_LIFETIME_MS } from '../../src/replay/replay-guard.js'

const PAYER = '0x1111111111111111111111111111111111111111'
const ASSET = '0x2222222222222222222222222222222222222222'
const SETTLER = '0x3333333333333333333333333333333333333333'
const fields = { route: '/data', payer: PAYER, payTo: SETTLER, amount: '10000', asset: ASSET, network: 'eip155:84532', networkName: 'base-sepolia', x402Version: 2 as const, scheme: 'exact', latencyMs: 5 }
const unknown = (transaction?: string): SettlementFailedEvent => ({ ...fields, state: 'unknown', reason: 'settlement_unknown', status: 503, ...(transaction ? { transaction } : {}) })
const settled = (transaction: string, resumed: boolean): SettledEvent => ({ ...fields, transaction, resumed })
const TX_A = `0x${'a'.repeat(64)}`
const TX_B = `0x${'b'.repeat(64)}`

/** A real memory store whose reads are replaced (a stalled or failing backend), everything else its own. */
function storeWith(get: Store['get']): Store {
  const base = memoryStore()
  return { claim: (k, t) => base.claim(k, t), release: (k) => base.release(k), take: (k, l, t, c) => base.take(k, l, t, c), giveBack: (k, c) => base.giveBack(k, c), put: (k, v, t) => base.put(k, v, t), get }
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}

/** What a settler's gasStatus() answers, set per test (the unit under test only reads it). */
function settlerSaying(answer: () => Promise<GasStatus[]>): EvmSettler {
  return { address: SETTLER, connect: () => { throw new Error('not used') }, gasStatus: answer }
}

describe('unknown settlements, counted from the hooks', () => {
  it("an 'unknown' failure counts once per transaction, a 'failed' one not at all; the resumed settlement of that transaction takes it away", async () => {
    const clock = manualClock()
    const health = tollgateHealth({ store: memoryStore(), clock: clock.now, cacheMs: 0 })
    health.hooks.onSettlementFailed!(unknown(TX_A))
    health.hooks.onSettlementFailed!(unknown(TX_A))
    health.hooks.onSettlementFailed!({ ...unknown(TX_B), state: 'failed', reason: 'invalid_transaction_state' })
    clock.advance(1_500)
    health.hooks.onSettlementFailed!(unknown(TX_B))
    expect((await health.check()).checks.pending).toEqual({ status: 'degraded', count: 2, oldestAgeMs: 1_500 })

    health.hooks.onSettled!(settled(`0x${'c'.repeat(64)}`, false))
    expect((await health.check()).checks.pending.count).toBe(2)
    health.hooks.onSettled!(settled(TX_A, true))
    expect((await health.check()).checks.pending).toEqual({ status: 'degraded', count: 1, oldestAgeMs: 0 })
    health.hooks.onSettled!(settled(TX_B, true))
    const report = await health.check()
    expect(report.checks.pending).toEqual({ status: 'ok', count: 0, oldestAgeMs: null })
    expect(report.status).toBe('ok')
  })

  it("one payment's presentations share its paymentKey: settled anew under another transaction, or provably not charged ('failed'), it leaves the count", async () => {
    const health = tollgateHealth({ store: memoryStore(), cacheMs: 0 })
    health.hooks.onSettlementFailed!({ ...unknown(TX_A), paymentKey: 'k1' })
    health.hooks.onSettlementFailed!({ ...unknown(TX_B), paymentKey: 'k2' })
    health.hooks.onSettlementFailed!({ ...unknown(`0x${'d'.repeat(64)}`), paymentKey: 'k1' })
    expect((await health.check()).checks.pending.count).toBe(2)
    health.hooks.onSettled!({ ...settled(`0x${'c'.repeat(64)}`, false), paymentKey: 'k1' })
    expect((await health.check()).checks.pending.count).toBe(1)
    health.hooks.onSettlementFailed!({ ...unknown(), state: 'failed', reason: 'invalid_exact_evm_insufficient_balance', paymentKey: 'k3' })
    expect((await health.check()).checks.pending.count).toBe(1)
    health.hooks.onSettlementFailed!({ ...unknown(), state: 'failed', reason: 'invalid_exact_evm_insufficient_balance', paymentKey: 'k2' })
    expect((await health.check()).checks.pending.count).toBe(0)
  })

  it('an unknown settlement without a transaction is matched by payer, network, asset and amount', async () => {
    const health = tollgateHealth({ store: memoryStore(), cacheMs: 0 })
    health.hooks.onSettlementFailed!(unknown())
    health.hooks.onSettled!({ ...settled(TX_A, true), amount: '10001' })
    expect((await health.check()).checks.pending.count).toBe(1)
    health.hooks.onSettled!({ ...settled(TX_A, true), payer: PAYER.toUpperCase().replace('0X', '0x') })
    expect((await health.check()).checks.pending.count).toBe(0)
  })

  it('thresholds: within maxCount and maxAgeMs is ok; past either is degraded (still 200); a record past its store lifetime is dropped', async () => {
    const clock = manualClock()
    const health = tollgateHealth({ store: memoryStore(), clock: clock.now, cacheMs: 0, pending: { maxCount: 1, maxAgeMs: 60_000 } })
    health.hooks.onSettlementFailed!(unknown(TX_A))
    expect((await health.check()).checks.pending.status).toBe('ok')
    clock.advance(60_001)
    expect(await health.answer()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { pending: { status: 'degraded', count: 1, oldestAgeMs: 60_001 } } } })
    health.hooks.onSettlementFailed!(unknown(TX_B))
    clock.advance(PENDING_LIFETIME_MS - 60_001)
    // The first is gone with its record; the second is still counted (and old enough to be degraded).
    expect((await health.check()).checks.pending).toEqual({ status: 'degraded', count: 1, oldestAgeMs: PENDING_LIFETIME_MS - 60_001 })
  })
})

describe('store reachability', () => {
  it('a memory store is reachable; one that stalls or throws is down, within the bound, and the answer is 503 with no-store', async () => {
    expect((await tollgateHealth({ store: memoryStore() }).check()).checks.store).toEqual({ status: 'ok' })
    const stalled = storeWith(() => new Promise<string | null>(() => undefined))
    const throwing = storeWith(() => Promise.reject(new Error('connection refused to redis://user:pw@10.0.0.5')))
    for (const store of [stalled, throwing]) {
      const answer = await tollgateHealth({ store, timeoutMs: 50 }).answer()
      expect(answer).toEqual({
        status: 503,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: { status: 'down', checks: { store: { status: 'down' }, pending: { status: 'ok', count: 0, oldestAgeMs: null } } },
      })
    }
  })
})

describe('gas', () => {
  const network = (state: GasStatus['state'], balance: bigint | null, name = 'base-sepolia'): GasStatus => ({ network: name, address: SETTLER, balance, state })

  it("ok, 'low' below the seller's threshold per network (degraded, 200), 'dry' and 'unknown' down (503); no address in the report", async () => {
    let answer = [network('ok', 5n * 10n ** 17n), network('ok', 5n * 10n ** 17n, 'base')]
    const health = tollgateHealth({ settler: settlerSaying(async () => answer), gas: { minBalance: { base: 10n ** 18n } }, cacheMs: 0 })
    const low = await health.answer()
    expect(low.status).toBe(200)
    expect(low.body).toEqual({
      status: 'degraded',
      checks: {
        gas: {
          status: 'degraded',
          networks: [
            { network: 'base-sepolia', state: 'ok', balance: '500000000000000000' },
            { network: 'base', state: 'low', balance: '500000000000000000' },
          ],
        },
        pending: { status: 'ok', count: 0, oldestAgeMs: null },
      },
    })
    expect(JSON.stringify(low.body)).not.toContain(SETTLER.slice(2))
    answer = [network('dry', 0n), network('ok', 10n ** 19n, 'base')]
    expect(await health.answer()).toMatchObject({ status: 503, body: { status: 'down', checks: { gas: { status: 'down' } } } })
    answer = [network('unknown', 10n ** 19n)]
    expect(await health.answer()).toMatchObject({ status: 503, body: { checks: { gas: { status: 'down', networks: [{ network: 'base-sepolia', state: 'unknown', balance: null }] } } } })
  })

  it("a settler that does not answer in time, or throws, is down with its last known networks 'unknown'; check() never rejects", async () => {
    let mode: 'ok' | 'stall' | 'throw' = 'ok'
    const settler = settlerSaying(() => (mode === 'ok' ? Promise.resolve([network('ok', 10n ** 19n)]) : mode === 'stall' ? new Promise<GasStatus[]>(() => undefined) : Promise.reject(new Error('rpc https://x/v2/key'))))
    const health = tollgateHealth({ settler, timeoutMs: 50, cacheMs: 0 })
    expect((await health.check()).status).toBe('ok')
    for (const next of ['stall', 'throw'] as const) {
      mode = next
      expect(await health.check()).toEqual({
        status: 'down',
        checks: { gas: { status: 'down', networks: [{ network: 'base-sepolia', state: 'unknown', balance: null }] }, pending: { status: 'ok', count: 0, oldestAgeMs: null } },
      })
    }
  })
})

describe('one check shared', () => {
  it('concurrent calls share one round of reads; within cacheMs the report is reused, after it a new one is made', async () => {
    const clock = manualClock()
    let reads = 0
    const store = storeWith(async () => (reads++, null))
    const health = tollgateHealth({ store, clock: clock.now, cacheMs: 1_000 })
    await Promise.all([health.check(), health.answer(), health.check()])
    expect(reads).toBe(1)
    clock.advance(999)
    await health.check()
    expect(reads).toBe(1)
    clock.advance(1)
    await health.check()
    expect(reads).toBe(2)

    const uncached = tollgateHealth({ store, cacheMs: 0 })
    await Promise.all([uncached.check(), uncached.check()])
    expect(reads).toBe(3)
    await uncached.check()
    expect(reads).toBe(4)
  })
})

describe('options', () => {
  it('are checked at setup, every problem at once', () => {
    const bad = () => tollgateHealth({ timeoutMs: 0, cacheMs: -1, pending: { maxCount: 1.5 }, gas: { minBalance: 5 as never } })
    expect(bad).toThrow(ConfigurationError)
    try {
      bad()
    } catch (error) {
      const message = (error as Error).message
      for (const part of ['timeoutMs', 'cacheMs', 'pending.maxCount', 'gas.minBalance', 'needs `core`']) expect(message).toContain(part)
    }
  })
})
