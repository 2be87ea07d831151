/**
 * Metrics never change a payment: with every other hook throwing and a collector of the seller's
 * (on the same registry) failing, a payment by the official v2 buyer is served and charged exactly
 * once; the scrape fails alone (503, nothing of the error's text) and, once the collector recovers,
 * shows the payment counted.
 */
import { Gauge, Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveAnswer } from '../../adapters/express.js'
import { combineHooks } from '../../src/hooks/combine-hooks.js'
import type { TollgateConfig, TollgateHooks } from '../../src/index.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { key, parsePrometheus, series } from './metrics-text.js'
import { officialBuyer, snapshot, until } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n

let chain: TestChain
let seller: Seller
let collectorDown = true
const registry = new Registry()
const metrics = tollgateMetrics({ registry })
const logged: string[] = []

new Gauge({
  name: 'seller_queue_depth',
  help: "A seller's own gauge on the shared registry, whose source is down.",
  registers: [registry],
  collect() {
    if (collectorDown) throw new Error('queue backend unreachable at https://user:pass@queue.internal')
    this.set(1)
  },
})

const fail = () => {
  throw new Error('seller hook bug')
}
/** The seller's own hooks, every one broken (a throw, or a rejection), placed before the metrics. */
const broken: TollgateHooks = {
  onChallenge: fail,
  onVerified: fail,
  onSettled: () => Promise.reject(new Error('seller hook bug')),
  onSettlementFailed: fail,
  onRejected: fail,
}

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/metrics', serveAnswer(metrics.scrape))
      app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia', name: 'content' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    },
    { hooks: combineHooks(broken, metrics.hooks), logger: { error: (message: string) => void logged.push(message) } } as Partial<TollgateConfig>,
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('metrics beside broken hooks and a failing collector', () => {
  it('the payment is served and charged exactly once; the scrape fails alone, then shows the payment counted', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address)
    const res = await officialBuyer(chain, buyer).pay(`${seller.url}/content`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'PAID CONTENT' })
    expect(await snapshot(chain, buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
    // The broken hooks were called and reported (the gate logs them), and changed nothing above.
    await until(async () => logged.some((m) => m.includes('onSettled hook failed')))

    const failed = await fetch(`${seller.url}/metrics`)
    expect(failed.status).toBe(503)
    const body = await failed.text()
    expect(JSON.parse(body)).toEqual({ error: 'metrics_unavailable' })
    expect(body).not.toContain('queue')

    collectorDown = false
    const ok = await fetch(`${seller.url}/metrics`)
    expect(ok.status).toBe(200)
    const samples = parsePrometheus(await ok.text())
    const labels = { route: 'content', network: 'base-sepolia', scheme: 'exact', version: '2' }
    expect(series(samples, 'tollgate_challenges_total')).toEqual({ 'route=content': 1 })
    expect(series(samples, 'tollgate_payments_verified_total')).toEqual({ [key(labels)]: 1 })
    expect(series(samples, 'tollgate_payments_settled_total')).toEqual({ [key({ ...labels, resumed: 'false' })]: 1 })
    expect(series(samples, 'seller_queue_depth')).toEqual({ '': 1 })
  })
})
