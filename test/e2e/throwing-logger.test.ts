/**
 * A seller's logger that throws (a broken log transport) must not change any payment's outcome:
 * tollgate calls it on the payment path (settled, refused, failed), so every call is guarded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Logger } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer } from '../support/payments.js'
import { officialBuyer } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

let chain: TestChain
let seller: Seller
let logCalls = 0

const throwing = (): never => {
  logCalls++
  throw new Error('log transport down')
}
const brokenLogger: Logger = { debug: throwing, info: throwing, warn: throwing, error: throwing }

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/paid', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => {
        res.json({ content: 'PAID' })
      })
      app.get('/fails', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => {
        res.status(500).json({ error: 'handler failed' })
      })
    },
    { logger: brokenLogger, settlerOptions: { logger: brokenLogger } },
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('a logger that throws on every call', () => {
  it('a payment still settles and is served, and its replay is still refused', async () => {
    const buyer = await freshBuyer(chain)
    const before = await chain.balanceOf(buyer.address)
    const { pay, sent } = officialBuyer(chain, buyer)
    const res = await pay(`${seller.url}/paid`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'PAID' })
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
    expect(logCalls).toBeGreaterThan(0)

    const replay = await fetch(`${seller.url}/paid`, { headers: { 'payment-signature': sent[0]! } })
    expect(replay.status).toBe(409)
    expect(await replay.json()).toMatchObject({ error: 'payment_already_used' })
  })

  it('a failed handler still frees the payment for another route', async () => {
    const buyer = await freshBuyer(chain)
    const before = await chain.balanceOf(buyer.address)
    const { pay, sent } = officialBuyer(chain, buyer)
    expect((await pay(`${seller.url}/fails`)).status).toBe(500)
    expect(await chain.balanceOf(buyer.address)).toBe(before)
    const again = await fetch(`${seller.url}/paid`, { headers: { 'payment-signature': sent[0]! } })
    expect(again.status).toBe(200)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
  })
})
