/**
 * tollgateMetrics' setup and its gas gauges, without a chain: a settler's `gasStatus()` here is the
 * seller-facing interface itself (a local settler is exercised on anvil in test/e2e/metrics-payments).
 */
import { Registry, register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import type { GasStatus } from '../../src/index.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { parsePrometheus, series } from '../e2e/metrics-text.js'

const ADDRESS = '0x1111111111111111111111111111111111111111'
const status = (balance: bigint | null, state: GasStatus['state']): GasStatus => ({ network: 'base-sepolia', address: ADDRESS, balance, state })

async function scraped(metrics: ReturnType<typeof tollgateMetrics>) {
  const answer = await metrics.scrape()
  expect(answer.status).toBe(200)
  return parsePrometheus(answer.text)
}

describe('tollgateMetrics setup', () => {
  it("registers on a new registry by default, never prom-client's global one", async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length
    const metrics = tollgateMetrics()
    expect(metrics.registry).not.toBe(globalRegistry)
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before)
    expect((await metrics.registry.getMetricsAsJSON()).map((m) => m.name)).toContain('tollgate_challenges_total')
  })

  it("uses the seller's registry, prefix and buckets", async () => {
    const registry = new Registry()
    const metrics = tollgateMetrics({ registry, prefix: 'shop_', buckets: [1, 5] })
    expect(metrics.registry).toBe(registry)
    metrics.hooks.onSettled!({
      route: 'r', payer: ADDRESS, payTo: ADDRESS, amount: '1', asset: ADDRESS, network: 'eip155:84532', networkName: 'base-sepolia', x402Version: 2, scheme: 'exact', latencyMs: 2_000, transaction: '0x01', resumed: false,
    })
    const buckets = series(await scraped(metrics), 'shop_settlement_duration_seconds_bucket')
    expect(buckets).toEqual({
      'le=1,network=base-sepolia,outcome=settled,route=r': 0,
      'le=5,network=base-sepolia,outcome=settled,route=r': 1,
      'le=+Inf,network=base-sepolia,outcome=settled,route=r': 1,
    })
  })

  it('refuses a prefix that cannot start a metric name', () => {
    expect(() => tollgateMetrics({ prefix: 'tollgate-' })).toThrow(/prefix/)
  })

  it('gives hooks only, all watching ones (no authorize: metrics add no awaited step to a payment)', () => {
    const { hooks } = tollgateMetrics()
    expect(hooks.authorize).toBeUndefined()
    expect(Object.values(hooks).every((h) => typeof h === 'function')).toBe(true)
  })
})

describe('gas gauges', () => {
  it('a read that never answers leaves the last values: the scrape does not wait past the timeout', async () => {
    let next: () => Promise<GasStatus[]> = async () => [status(5n * 10n ** 17n, 'low')]
    const metrics = tollgateMetrics({ settler: { gasStatus: () => next() }, gasTimeoutMs: 50 })
    const first = await scraped(metrics)
    expect(series(first, 'tollgate_settler_gas_balance_wei')).toEqual({ 'network=base-sepolia': 5e17 })
    expect(series(first, 'tollgate_settler_gas_state')['network=base-sepolia,state=low']).toBe(1)

    next = () => new Promise(() => {})
    const stalled = await scraped(metrics)
    expect(series(stalled, 'tollgate_settler_gas_balance_wei')).toEqual({ 'network=base-sepolia': 5e17 })
    expect(series(stalled, 'tollgate_settler_gas_state')['network=base-sepolia,state=low']).toBe(1)
  })

  it("a failed read keeps the last balance and says 'unknown'; an unread balance has no sample", async () => {
    let next: () => Promise<GasStatus[]> = async () => [status(10n ** 18n, 'ok')]
    const metrics = tollgateMetrics({ settler: { gasStatus: () => next() } })
    await scraped(metrics)
    next = () => Promise.reject(new Error('rpc down'))
    const failed = await scraped(metrics)
    expect(series(failed, 'tollgate_settler_gas_balance_wei')).toEqual({ 'network=base-sepolia': 1e18 })
    expect(series(failed, 'tollgate_settler_gas_state')).toEqual({
      'network=base-sepolia,state=ok': 0,
      'network=base-sepolia,state=low': 0,
      'network=base-sepolia,state=dry': 0,
      'network=base-sepolia,state=unknown': 1,
    })
    next = async () => [status(null, 'unknown')]
    expect(series(await scraped(metrics), 'tollgate_settler_gas_balance_wei')).toEqual({})
  })
})
