import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentResponseHeader } from '@x402/fetch'
import { localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import type { AdapterHarness, SellerUnderTest } from '../conformance/harness.js'
import { expressHarness } from '../conformance/harness-express.js'
import { fastifyHarness } from '../conformance/harness-fastify.js'
import { honoHandlerHarness, honoMiddlewareHarness } from '../conformance/harness-fetch.js'
import { koaHarness } from '../conformance/harness-koa.js'
import { nextHarness } from '../conformance/harness-next.js'
import { acceptedOf, permit2Fetch, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * upto in every adapter: the handler's charge (set through req.payment.charge, here in the route's
 * `before` step, which runs inside each framework's handler) is what settles after the handler,
 * PAYMENT-RESPONSE carries it, and a charge above the maximum is a 500 with no content and no charge.
 */
let chain: Permit2Chain
const harnesses: AdapterHarness[] = [expressHarness, koaHarness, fastifyHarness, nextHarness, honoMiddlewareHarness, honoHandlerHarness]

beforeAll(async () => {
  chain = await startPermit2Chain()
  for (const buyer of chain.accounts.buyers.slice(0, 2)) await chain.approvePermit2(buyer)
})

afterAll(async () => {
  await chain?.stop()
})

describe.each(harnesses.map((h) => [h.name, h] as const))('upto on %s', (_name, harness) => {
  let seller: SellerUnderTest

  beforeAll(async () => {
    const config: TollgateConfig = {
      payTo: chain.accounts.seller.address,
      settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
      store: memoryStore(),
      networks: [{ name: 'base-sepolia', asset: chain.permitTokenInfo }],
    }
    const upto = { scheme: 'upto' as const, max: '0.50', network: 'base-sepolia' as const }
    seller = await harness.start(config, [
      { path: '/metered', paywall: upto, behavior: { kind: 'json' }, before: async (payment) => payment.charge?.('$0.07') },
      { path: '/over', paywall: upto, behavior: { kind: 'json' }, before: async (payment) => payment.charge?.('0.51') },
    ])
  })

  afterAll(async () => {
    await seller?.close()
  })

  it('settles the charge after the handler and reports it in PAYMENT-RESPONSE', async () => {
    const buyer = chain.accounts.buyers[0]!
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await permit2Fetch(buyer, chain, [chain.permitToken], { baseFetch: seller.fetch })(seller.urlOf('/metered'))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ content: 'PAID CONTENT', payer: buyer.address })
    expect(decodePaymentResponseHeader(res.headers.get('payment-response')!)).toMatchObject({ success: true, amount: '70000' })
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before - 70_000n)
  })

  it('a charge that is not a valid amount up to the maximum: 500, no content, nothing charged', async () => {
    const buyer = chain.accounts.buyers[1]!
    const accepted = await acceptedOf(seller.urlOf('/over'), {}).catch(async () => {
      const res = await seller.fetch(seller.urlOf('/over'))
      return JSON.parse(Buffer.from(res.headers.get('payment-required')!, 'base64').toString('utf8')).accepts[0]
    })
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await seller.fetch(seller.urlOf('/over'), { headers: { 'payment-signature': (await permit2PaymentHeader(buyer, accepted)).header } })
    expect(res.status).toBe(500)
    expect(await res.text()).not.toContain('PAID CONTENT')
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before)
  })
})
