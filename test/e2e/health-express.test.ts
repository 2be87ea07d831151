/**
 * The health endpoint through real servers: an Express seller (Redis store, local settler behind an
 * RPC proxy, health hooks in its configuration) serves /health with serveAnswer, and a Koa app
 * serves the same report. The report flips to 503 when Redis goes down or the RPC is cut or the
 * settler runs dry, and back to 200 when each comes back; a low balance and an unknown settlement
 * are 'degraded' with 200, and the unknown settlement leaves the report once it is resumed, or
 * once the same payment, proven never charged, is settled anew.
 */
import { createServer } from 'node:http'
import Router from '@koa/router'
import { Redis } from 'ioredis'
import Koa from 'koa'
import { toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveAnswer } from '../../adapters/express.js'
import { serveAnswer as koaServeAnswer } from '../../adapters/koa.js'
import { tollgateHealth, type HealthReport, type TollgateHealth } from '../../src/health/index.js'
import { localSettler } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { freshBuyer } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { mine, officialBuyer, rpc, sendDrain, settlementOf, snapshot, until, withoutAutomine } from './pending-fixture.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

const skip = requireRedisOrSkip('health endpoint')
const TEN_ETH = 10n ** 19n
/** The price of /content in token units (0.01 with 6 decimals). */
const PRICE = 10_000n
/** Threshold of the 'low' case: above what the settler holds after a refill to 1 ETH, below 10 ETH. */
const MIN_GAS = 2n * 10n ** 18n

interface Answer {
  status: number
  cacheControl: string | null
  text: string
  body: HealthReport
}

describe.skipIf(skip)('GET /health on Express and Koa', () => {
  let chain: TestChain
  let redis: TestRedis
  let io: Redis
  let proxy: RpcProxy
  let seller: Seller
  let koa: TestServer
  let health: TollgateHealth

  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    redis = await startRedis()
    proxy = await startRpcProxy(chain.rpcUrl)
    io = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, retryStrategy: () => 50 })
    // ioredis reports each failed reconnection as an 'error' event; the outage test expects them.
    io.on('error', () => undefined)
    await io.connect()
    const store = redisStore(io)
    const settler = localSettler({ privateKey: chain.keys.settler, rpcUrl: proxy.url, pollingIntervalMs: 50, gasCheckIntervalMs: 0, receiptTimeoutMs: 300 })
    // Built before the tollgate so its hooks go into the configuration.
    health = tollgateHealth({ store, settler, gas: { minBalance: MIN_GAS }, timeoutMs: 1_000, cacheMs: 0 })
    seller = await startSeller(
      chain,
      (app, gate) => {
        app.get('/health', serveAnswer(health.answer))
        app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      },
      { store, settler, hooks: health.hooks },
    )
    const app = new Koa()
    const router = new Router()
    router.get('/health', koaServeAnswer(health.answer))
    app.use(router.routes())
    koa = await listenOnLoopback(createServer(app.callback()))
  })

  afterAll(async () => {
    await seller?.close()
    await koa?.close()
    io?.disconnect()
    await proxy?.close()
    await redis?.stop()
    await chain?.stop()
  })

  const get = async (base: string): Promise<Answer> => {
    const res = await fetch(`${base}/health`)
    const text = await res.text()
    return { status: res.status, cacheControl: res.headers.get('cache-control'), text, body: JSON.parse(text) as HealthReport }
  }
  /** Polls both servers until each answers `status` with a report `holds` accepts; returns the Express answer. */
  const waitFor = async (status: number, holds: (report: HealthReport) => boolean = () => true): Promise<Answer> => {
    let last: Answer | undefined
    await until(async () => {
      const answers = [await get(seller.url), await get(koa.url)]
      last = answers[0]
      return answers.every((a) => a.status === status && holds(a.body))
    })
    return last!
  }
  const setSettlerBalance = (wei: bigint) => rpc(chain, 'anvil_setBalance', [chain.accounts.settler.address, toHex(wei)])

  it('all parts up: 200, no-store, store and gas ok, nothing pending; nothing URL-like, no address in the body', async () => {
    const answer = await waitFor(200)
    expect(answer.cacheControl).toBe('no-store')
    expect(answer.body).toEqual({
      status: 'ok',
      checks: {
        store: { status: 'ok' },
        gas: { status: 'ok', networks: [{ network: 'base-sepolia', state: 'ok', balance: expect.stringMatching(/^\d+$/) }] },
        pending: { status: 'ok', count: 0, oldestAgeMs: null },
      },
    })
    expect(answer.text).not.toMatch(/:\/\/|0x|127\.0\.0\.1/i)
  })

  it('Redis dies: 503 with the store down; Redis back on the same port: 200 again, with the same seller', async () => {
    await redis.kill()
    const down = await waitFor(503, (r) => r.checks.store?.status === 'down')
    expect(down.body).toMatchObject({ status: 'down', checks: { store: { status: 'down' }, gas: { status: 'ok' } } })
    expect(down.cacheControl).toBe('no-store')
    await redis.restart()
    const up = await waitFor(200, (r) => r.checks.store?.status === 'ok')
    expect(up.body.status).toBe('ok')
  })

  it("the RPC is cut: 503 with the network's gas 'unknown' (the settler can neither verify nor settle); restored: 200", async () => {
    proxy.cut()
    try {
      const down = await waitFor(503, (r) => r.checks.gas?.networks[0]?.state === 'unknown')
      expect(down.body.checks.gas).toEqual({ status: 'down', networks: [{ network: 'base-sepolia', state: 'unknown', balance: null }] })
      expect(down.body.checks.store).toEqual({ status: 'ok' })
      expect(down.text).not.toMatch(/:\/\/|127\.0\.0\.1/)
    } finally {
      proxy.restore()
    }
    const up = await waitFor(200, (r) => r.checks.gas?.networks[0]?.state === 'ok')
    expect(up.body.status).toBe('ok')
  })

  it("the settler runs dry: 503 'dry' (payments are refused); below the threshold: 200 'degraded' 'low'; refilled: 200 'ok'", async () => {
    await setSettlerBalance(0n)
    const dry = await waitFor(503, (r) => r.checks.gas?.networks[0]?.state === 'dry')
    expect(dry.body).toMatchObject({ status: 'down', checks: { gas: { status: 'down', networks: [{ network: 'base-sepolia', state: 'dry', balance: '0' }] } } })

    await setSettlerBalance(10n ** 18n)
    const low = await waitFor(200, (r) => r.checks.gas?.networks[0]?.state === 'low')
    expect(low.body).toMatchObject({ status: 'degraded', checks: { gas: { status: 'degraded', networks: [{ state: 'low', balance: (10n ** 18n).toString() }] } } })

    await setSettlerBalance(TEN_ETH)
    const ok = await waitFor(200, (r) => r.checks.gas?.networks[0]?.state === 'ok')
    expect(ok.body.status).toBe('ok')
  })

  it('a settlement left unknown shows as pending (degraded, 200) until the same payment is presented again and resumed', async () => {
    const buyer = await freshBuyer(chain)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await withoutAutomine(chain, async () => {
      const first = await pay(`${seller.url}/content`)
      expect(first.status).toBe(503)
      const settlement = settlementOf(first)
      expect(settlement).toMatchObject({ success: false, errorReason: 'settlement_unknown' })

      const pending = await waitFor(200, (r) => r.checks.pending.count === 1)
      expect(pending.body).toMatchObject({ status: 'degraded', checks: { pending: { status: 'degraded', count: 1, oldestAgeMs: expect.any(Number) } } })
      expect(pending.text).not.toContain(settlement.transaction)
      expect(pending.text).not.toMatch(new RegExp(buyer.address.slice(2), 'i'))
      await mine(chain)
      return settlement.transaction
    })

    const again = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(again.status).toBe(200)
    expect(settlementOf(again)).toMatchObject({ success: true, transaction })
    const resolved = await waitFor(200, (r) => r.checks.pending.count === 0)
    expect(resolved.body).toMatchObject({ status: 'ok', checks: { pending: { status: 'ok', count: 0, oldestAgeMs: null } } })
  })

  it('an unknown settlement whose transfer reverted (the buyer drained its funds) stays pending until the same payment is settled anew', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await withoutAutomine(chain, async () => {
      const first = await pay(`${seller.url}/content`)
      expect(first.status).toBe(503)
      await sendDrain(chain, buyer, before.buyer, chain.accounts.deployer.address)
      await mine(chain)
      return settlementOf(first).transaction
    })
    expect((await chain.publicClient.getTransactionReceipt({ hash: transaction as `0x${string}` })).status).toBe('reverted')
    await waitFor(200, (r) => r.checks.pending.count === 1)

    // Proven never charged, the payment is verified again as new: no funds now, still pending here.
    const broke = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(broke.status).toBe(402)
    expect((await get(seller.url)).body.checks.pending.count).toBe(1)

    await chain.mint(buyer.address, PRICE)
    const funded = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(funded.status).toBe(200)
    expect(settlementOf(funded).transaction).not.toBe(transaction)
    const resolved = await waitFor(200, (r) => r.checks.pending.count === 0)
    expect(resolved.body.status).toBe('ok')
  })
})
