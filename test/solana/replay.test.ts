/**
 * One Solana payment is served once: presented twice in a row, 50 times at once, and across two
 * seller processes sharing one Redis and one chain. Exactly one 200, exactly one transfer (token
 * balance deltas and the chain's own history), whatever the rest are told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { solanaOption, solanaSellerConfig, startOverHttp, startSolanaSellerProcess, type HttpSeller, type SellerProcess } from '../support/solana/sellers.js'
import { spawnSolanaStandIn } from '../support/solana/spawn.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const PRICE = 10_000n

async function presentAll(url: string, header: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(url, { headers: { 'payment-signature': header } })
      return { status: res.status, text: await res.text() }
    }),
  )
}

describe('one process', () => {
  let sol: SolanaStandIn
  let payTo: SolanaKeypair
  let seller: HttpSeller
  beforeAll(async () => {
    sol = await startSolanaStandIn()
    payTo = await sol.newSeller()
    seller = await startOverHttp(expressHarness, solanaSellerConfig(sol, payTo.address), [
      { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
    ])
  })
  afterAll(async () => {
    await seller?.close()
    await sol?.stop()
  })

  it('twice in a row: 200, then 409 payment_already_used; one transfer', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const sent = (await sol.history()).length
    const first = await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })
    expect(first.status).toBe(200)
    expect(await first.text()).toContain(PAID_CONTENT)
    const second = await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': header } })
    const text = await second.text()
    expect(second.status).toBe(409)
    expect(text).not.toContain(PAID_CONTENT)
    expect(JSON.parse(text)).toMatchObject({ error: 'payment_already_used' })
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect((await sol.history()).length).toBe(sent + 1)
  })

  it('50 copies at once: exactly one 200 and one transfer; the rest never see the content', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const before = { seller: (await sol.tokenBalance(payTo.address))!, sent: (await sol.history()).length }
    const answers = await presentAll(seller.urlOf('/data'), header, 50)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(answers.filter((a) => a.text.includes(PAID_CONTENT))).toHaveLength(1)
    expect(answers.filter((a) => a.status >= 500)).toEqual([])
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)
  })

  it('the same transfer re-signed with a fresh memo is a new payment (different message), the stale one still refused', async () => {
    const buyer = await sol.fundBuyer()
    const a = await payFor(sol, seller.urlOf('/data'), buyer)
    const b = await payFor(sol, seller.urlOf('/data'), buyer)
    expect(a.transaction).not.toBe(b.transaction)
    expect((await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': a.header } })).status).toBe(200)
    expect((await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': b.header } })).status).toBe(200)
    expect((await fetch(seller.urlOf('/data'), { headers: { 'payment-signature': a.header } })).status).toBe(409)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - 2n * PRICE)
  })
})

const noRedis = requireRedisOrSkip('solana replay across processes')

describe.skipIf(noRedis)('two seller processes, one Redis, one chain', () => {
  let sol: SolanaStandIn
  let redis: TestRedis
  let payTo: SolanaKeypair
  let sellers: SellerProcess[] = []
  beforeAll(async () => {
    ;[sol, redis] = await Promise.all([spawnSolanaStandIn(), startRedis()])
    payTo = await sol.newSeller()
    sellers = await Promise.all([0, 1].map(() => startSolanaSellerProcess(sol, { payTo: payTo.address, redisPort: redis.port })))
  })
  afterAll(async () => {
    await Promise.all(sellers.map((s) => s.stop()))
    await redis?.stop()
    await sol?.stop()
  })

  it('one payment sent 25 times to each instance at once: exactly one 200, one handler run, one transfer', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, `${sellers[0]!.url}/paid`, buyer)
    const before = { seller: (await sol.tokenBalance(payTo.address))!, sent: (await sol.history()).length }
    const answers = (await Promise.all(sellers.map((s) => presentAll(`${s.url}/paid`, header, 25)))).flat()
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(answers.filter((a) => a.text.includes(PAID_CONTENT))).toHaveLength(1)
    expect(answers.filter((a) => a.status >= 500)).toEqual([])
    const handled = await Promise.all(sellers.map((s) => s.handled()))
    expect(handled.reduce((a, b) => a + b, 0)).toBe(1)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)
  })

  it('paid at one instance, presented at the other afterwards: 409, nothing more moves', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, `${sellers[0]!.url}/paid`, buyer)
    expect((await fetch(`${sellers[0]!.url}/paid`, { headers: { 'payment-signature': header } })).status).toBe(200)
    const sent = (await sol.history()).length
    const res = await fetch(`${sellers[1]!.url}/paid`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(409)
    expect(await res.text()).not.toContain(PAID_CONTENT)
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
  })
})
