import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asyncSettlement, combineHooks, memorySettlementQueue, type SettledEvent, type SettlementFailedEvent } from '../../src/index.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer, requirementAt, signAuthorization, signedV2 } from '../support/payments.js'
import { eventually, recordingLogger, rpcOf } from './settler-fixture.js'
import { startSeller, type Seller } from './seller.js'

/**
 * settle: 'async' on anvil with the in-memory queue: the content is served right after
 * verification and the claim (x-tollgate-settlement: queued), the worker settles afterwards and
 * the settled hook and the metrics hear of it; a replay storm serves once and charges once; the
 * per-payer cap makes the payment past it settle before it is served; a buyer who moves its funds
 * before settlement is reported as served unpaid (the seller's risk).
 */

const PRICE = 10_000n
const FUNDS = 1_000_000n

let chain: TestChain
beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
})
afterAll(async () => {
  await chain?.stop()
})

interface AsyncSeller {
  seller: Seller
  url: string
  settled: SettledEvent[]
  failed: SettlementFailedEvent[]
  runs: () => number
  metrics: ReturnType<typeof tollgateMetrics>
  logger: ReturnType<typeof recordingLogger>
}

async function asyncSeller(options: { worker?: boolean; maxUnsettledPerPayer?: string } = {}): Promise<AsyncSeller> {
  const settled: SettledEvent[] = []
  const failed: SettlementFailedEvent[] = []
  let core: Seller['gate']['core'] | undefined
  const metrics = tollgateMetrics({ core: () => core! })
  const logger = recordingLogger()
  let runs = 0
  // Its own settler key, funded: no other seller of the file shares its nonces.
  const key = generatePrivateKey()
  await rpcOf(chain)('anvil_setBalance', [privateKeyToAccount(key).address, '0x8AC7230489E80000'])
  const seller = await startSeller(
    chain,
    (app, gate) =>
      app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia', settle: 'async', name: 'content' }), (_req, res) => {
        runs++
        res.json({ content: 'PAID CONTENT' })
      }),
    {
      asyncSettlement: asyncSettlement({ queue: memorySettlementQueue(), pollIntervalMs: 20, ...options }),
      hooks: combineHooks(metrics.hooks, {
        onSettled: (e) => void settled.push(e),
        onSettlementFailed: (e) => void failed.push(e),
      }),
      logger,
      settlerOptions: { privateKey: key },
    },
  )
  core = seller.gate.core
  return { seller, url: `${seller.url}/content`, settled, failed, runs: () => runs, metrics, logger }
}

async function pay(url: string, header: string): Promise<Response> {
  return fetch(url, { headers: { 'payment-signature': header } })
}

describe("settle: 'async' (memory queue)", () => {
  let s: AsyncSeller
  beforeAll(async () => {
    s = await asyncSeller()
  })
  afterAll(async () => {
    await s.seller.gate.core.asyncSettlement?.stop()
    await s.seller.close()
  })

  it('serves right after verification with x-tollgate-settlement: queued, then settles once; the hook and the metrics hear of it', async () => {
    const buyer = await freshBuyer(chain, FUNDS)
    const requirement = await requirementAt(s.url)
    const { header } = await signedV2(chain, requirement, buyer)
    const res = await pay(s.url, header)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ content: 'PAID CONTENT' })
    expect(res.headers.get('x-tollgate-settlement')).toBe('queued')
    expect(res.headers.get('payment-response')).toBeNull()
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Tollgate-Settlement/)

    const event = await eventually(async () => s.settled.find((e) => e.payer.toLowerCase() === buyer.address.toLowerCase()), 'the queued payment settled')
    expect(event).toMatchObject({ route: 'content', amount: PRICE.toString(), resumed: false, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: event.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    expect(await s.metrics.registry.metrics()).toMatch(/tollgate_payments_settled_total\{[^}]*route="content"[^}]*\} [1-9]/)
    expect(await s.seller.gate.core.asyncSettlement!.depth()).toBe(0)
  })

  it('a replay storm of one payment: served once, charged once', async () => {
    const buyer = await freshBuyer(chain, FUNDS)
    const { header } = await signedV2(chain, await requirementAt(s.url), buyer)
    const before = s.runs()
    const answers = await Promise.all(Array.from({ length: 12 }, () => pay(s.url, header)))
    const statuses = answers.map((r) => r.status).sort()
    await Promise.all(answers.map((r) => r.arrayBuffer()))
    expect(statuses.filter((x) => x === 200)).toHaveLength(1)
    expect(statuses.filter((x) => x === 409)).toHaveLength(11)
    expect(s.runs() - before).toBe(1)
    await eventually(async () => s.settled.some((e) => e.payer.toLowerCase() === buyer.address.toLowerCase()), 'settled')
    // Settled, and presented again: still refused, still charged once.
    expect((await pay(s.url, header)).status).toBe(409)
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(s.settled.filter((e) => e.payer.toLowerCase() === buyer.address.toLowerCase())).toHaveLength(1)
  })

  it('an unpaid request gets no content: no payment 402, a bad signature 402, nothing queued', async () => {
    const buyer = await freshBuyer(chain, FUNDS)
    const requirement = await requirementAt(s.url)
    const before = s.runs()
    expect((await fetch(s.url)).status).toBe(402)
    const { header } = await signedV2(chain, requirement, buyer, { value: PRICE - 1n })
    const res = await pay(s.url, header)
    expect(res.status).toBe(402)
    expect(s.runs()).toBe(before)
    expect(await s.seller.gate.core.asyncSettlement!.depth()).toBe(0)
  })
})

describe('the per-payer cap on unsettled value', () => {
  it('past the cap the payment settles before it is served; the queued ones settle when a worker runs', async () => {
    // Two payments' worth may wait unsettled; this instance only queues.
    const s = await asyncSeller({ worker: false, maxUnsettledPerPayer: (2n * PRICE).toString() })
    try {
      const buyer = await freshBuyer(chain, FUNDS)
      const requirement = await requirementAt(s.url)
      const first = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      const second = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      expect([first.status, second.status]).toEqual([200, 200])
      expect([first.headers.get('x-tollgate-settlement'), second.headers.get('x-tollgate-settlement')]).toEqual(['queued', 'queued'])
      expect(await chain.balanceOf(buyer.address)).toBe(FUNDS)

      const third = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      expect(third.status).toBe(200)
      expect(third.headers.get('x-tollgate-settlement')).toBeNull()
      expect(third.headers.get('payment-response')).not.toBeNull()
      // Charged before it was served.
      expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
      expect(await s.seller.gate.core.asyncSettlement!.depth()).toBe(2)
      expect(await s.metrics.registry.metrics()).toContain('tollgate_async_settlements_queued 2')

      s.seller.gate.core.asyncSettlement!.start()
      await eventually(async () => (await chain.balanceOf(buyer.address)) === FUNDS - 3n * PRICE, 'both queued payments settled')
      await eventually(async () => (await s.seller.gate.core.asyncSettlement!.depth()) === 0, 'the queue drained')
      // Settled value no longer counts: the next payment is queued again.
      const fourth = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      expect(fourth.headers.get('x-tollgate-settlement')).toBe('queued')
      await eventually(async () => (await chain.balanceOf(buyer.address)) === FUNDS - 4n * PRICE, 'the fourth settled')
    } finally {
      await s.seller.gate.core.asyncSettlement?.stop()
      await s.seller.close()
    }
  })

  it("a buyer who moves its funds before settlement was served unpaid: reported as failed (the seller's risk), the cap stays taken", async () => {
    const s = await asyncSeller({ worker: false, maxUnsettledPerPayer: PRICE.toString() })
    try {
      const buyer = await freshBuyer(chain, PRICE)
      const requirement = await requirementAt(s.url)
      const res = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-tollgate-settlement')).toBe('queued')
      // The buyer moves everything elsewhere first.
      const away = await signAuthorization({ from: buyer, to: chain.accounts.deployer.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
      await chain.submitAuthorization(away)
      expect(await chain.balanceOf(buyer.address)).toBe(0n)

      s.seller.gate.core.asyncSettlement!.start()
      const failure = await eventually(async () => s.failed.find((e) => e.payer.toLowerCase() === buyer.address.toLowerCase()), 'the failure reported')
      expect(failure).toMatchObject({ state: 'failed', status: 200, route: 'content' })
      expect(s.logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringMatching(/served before settlement was never paid/) }))
      expect(s.settled.filter((e) => e.payer.toLowerCase() === buyer.address.toLowerCase())).toHaveLength(0)
      // The cap stays taken: the next payment of this payer settles before it is served (and here cannot).
      await chain.mint(buyer.address, PRICE)
      const next = await pay(s.url, (await signedV2(chain, requirement, buyer)).header)
      expect(next.status).toBe(200)
      expect(next.headers.get('x-tollgate-settlement')).toBeNull()
      expect(await chain.balanceOf(buyer.address)).toBe(0n)
    } finally {
      await s.seller.gate.core.asyncSettlement?.stop()
      await s.seller.close()
    }
  })
})

describe('setup', () => {
  it("settle 'async' without asyncSettlement, or on a route priced per request, is refused at setup", async () => {
    const plain = await startSeller(chain, () => undefined)
    try {
      expect(() => plain.gate.paywall({ amount: '0.01', network: 'base-sepolia', settle: 'async' })).toThrow(/needs asyncSettlement/)
    } finally {
      await plain.close()
    }
    const s = await asyncSeller({ worker: false })
    try {
      expect(() => s.seller.gate.paywall({ amount: () => '0.01', network: 'base-sepolia', settle: 'async' })).toThrow(/price or payTo function/)
      expect(() => asyncSettlement({ queue: memorySettlementQueue(), maxUnsettledPerPayer: '-1' })).toThrow(/maxUnsettledPerPayer/)
    } finally {
      await s.seller.close()
    }
  })
})
