/**
 * A pending settlement in a shared Redis: two seller instances (one process here, one store), the
 * payment left unknown on one, mined later, then presented again to both at once. The record, the
 * served lock and the claims are the store's, so the handler runs once across the instances.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../src/redis.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { mine, officialBuyer, settlementOf, snapshot, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n
const skip = requireRedisOrSkip('pending settlements on Redis')

describe.skipIf(skip)('a pending settlement shared by two instances through Redis', () => {
  let chain: TestChain
  let server: TestRedis
  let io: Redis
  let sellers: Seller[] = []
  let runs = 0

  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    server = await startRedis()
    io = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true })
    await io.connect()
    const instance = () =>
      startSeller(
        chain,
        (app, gate) =>
          app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => {
            runs++
            res.json({ content: 'PAID CONTENT' })
          }),
        { store: redisStore(io), settlerOptions: { receiptTimeoutMs: 300 } },
      )
    sellers = [await instance(), await instance()]
  })

  afterAll(async () => {
    for (const seller of sellers) await seller.close()
    io?.disconnect()
    await server?.stop()
    await chain?.stop()
  })

  it('unknown on one instance, mined, then presented to both at once: one 200 with the mined transaction, the rest 409, one handler run', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await withoutAutomine(chain, async () => {
      const first = await pay(`${sellers[0]!.url}/content`)
      expect(first.status).toBe(503)
      const settlement = settlementOf(first)
      expect(settlement).toMatchObject({ success: false, errorReason: 'settlement_unknown' })
      await mine(chain)
      return settlement.transaction
    })
    const runsBefore = runs
    const answers = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await fetch(`${sellers[i % 2]!.url}/content`, { headers: { 'payment-signature': sent[0]! } })
        const body = (await res.json()) as { content?: string; error?: string }
        return { status: res.status, body, transaction: res.status === 200 ? settlementOf(res).transaction : undefined }
      }),
    )
    const served = answers.filter((a) => a.status === 200)
    expect(served).toHaveLength(1)
    expect(served[0]).toMatchObject({ body: { content: 'PAID CONTENT' }, transaction })
    expect(answers.filter((a) => a.status === 409 && a.body.error === 'payment_already_used')).toHaveLength(9)
    expect(runs).toBe(runsBefore + 1)
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })
})
