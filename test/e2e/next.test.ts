import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { paymentOf, tollgate, type PaidContext, type VerifiedPayment } from '../../adapters/next.js'
import { ConfigurationError, localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import * as health from '../../examples/next-app/app/health/route.js'
import * as weather from '../../examples/next-app/app/weather/route.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { exampleEnv } from '../support/example-env.js'

/**
 * Next's own check of a route module's exports (its generated RouteHandlerConfig), restated here:
 * importing Next's types would pull its global `process.env` typing into the whole repository.
 */
type NextRequestLike = Request & { nextUrl: URL }
type NextRouteHandler<Params> = (request: NextRequestLike, context: { params: Promise<Params> }) => Promise<Response | void> | Response | void

let chain: TestChain
let buyerIndex = 0
const nextBuyer = () => chain.accounts.buyers[buyerIndex++ % chain.accounts.buyers.length]!
const PRICE = 100_000n
const saved = { ...process.env }

beforeAll(async () => {
  chain = await startTestChain()
  // The example reads its configuration at the first paid request, as it would from .env.local.
  Object.assign(process.env, exampleEnv(chain))
})

afterAll(async () => {
  process.env = saved
  await chain?.stop()
})

function sellerConfig(): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  }
}

async function paymentFor(challenge: Response) {
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  const from = nextBuyer()
  const payload = await signAuthorization({ from, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
  return { header: encodeHeader(v2Payment(accepted, payload)), from }
}

describe('the Next.js example app, its route modules imported and called with a real Request', () => {
  const url = 'http://127.0.0.1:3000/weather'

  it('serves /health without payment', async () => {
    expect(await health.GET().json()).toEqual({ ok: true })
  })

  it('answers GET(new Request(url)) with a 402 in both generations, for that URL', async () => {
    const res = await weather.GET(new Request(url))
    expect(res.status).toBe(402)
    const v2 = decodeHeader<{ resource: { url: string }; accepts: Record<string, unknown>[] }>(res.headers.get('payment-required')!)
    expect(v2.resource.url).toBe(url)
    expect(v2.accepts[0]).toMatchObject({ network: 'eip155:84532', amount: '10000', asset: chain.token, payTo: chain.accounts.seller.address })
    expect(await res.json()).toMatchObject({ x402Version: 1, accepts: [{ resource: url, maxAmountRequired: '10000' }] })
  })

  it('is sold to the official v2 client through the exported GET', async () => {
    const buyer = nextBuyer()
    const before = await chain.balanceOf(buyer.address)
    const route = ((input: RequestInfo | URL, init?: RequestInit) => weather.GET(new Request(input, init), { params: Promise.resolve({}) })) as typeof fetch
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: route })(url)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ city: 'Lisbon', paidBy: buyer.address })
    expect(decodeHeader<{ success: boolean; payer: string }>(res.headers.get('payment-response')!)).toMatchObject({ success: true, payer: buyer.address })
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
  })

  it('answers a CORS preflight through the exported OPTIONS', async () => {
    const res = await weather.OPTIONS(
      new Request(url, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } }),
    )
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-headers')).toContain('payment-signature')
  })
})

describe('withPayment', () => {
  it("adds the payment to Next's context and keeps the route's params", async () => {
    const { withPayment } = tollgate(sellerConfig())
    let seen: { id?: string; payment?: VerifiedPayment; lookedUp?: VerifiedPayment | undefined } = {}
    const GET = withPayment(
      async (request, { params, payment }: PaidContext<{ params: Promise<{ id: string }> }>) => {
        seen = { id: (await params).id, payment, lookedUp: paymentOf(request) }
        return Response.json({ id: seen.id })
      },
      { amount: '0.10', network: 'base-sepolia' },
    )
    const context = { params: Promise.resolve({ id: '42' }) }
    const url = 'http://127.0.0.1/orders/42'
    const { header, from } = await paymentFor(await GET(new Request(url), context))
    const res = await GET(new Request(url, { headers: { 'payment-signature': header } }), context)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ id: '42' })
    expect(seen.payment).toMatchObject({ payer: from.address, amount: '100000' })
    expect(seen.lookedUp).toBe(seen.payment)
  })

  it('passes the type checks Next applies to route modules', () => {
    const { withPayment } = tollgate(sellerConfig())
    const plain = withPayment(
      async (_request, context) => {
        expectTypeOf(context.payment).toEqualTypeOf<VerifiedPayment>()
        return Response.json({})
      },
      { amount: '0.10', network: 'base-sepolia' },
    )
    expectTypeOf(plain).toMatchTypeOf<NextRouteHandler<{}>>()
    expectTypeOf(plain).toBeCallableWith(new Request('http://x'))

    const withParams = withPayment(
      async (request: NextRequestLike, { params }: PaidContext<{ params: Promise<{ id: string }> }>) => Response.json({ id: (await params).id, path: request.nextUrl.pathname }),
      { amount: '0.10', network: 'base-sepolia' },
    )
    expectTypeOf(withParams).toMatchTypeOf<NextRouteHandler<{ id: string }>>()
    expectTypeOf(withParams).parameter(1).toEqualTypeOf<{ params: Promise<{ id: string }> }>()
    // @ts-expect-error a route with params must be given them
    void (() => withParams(new Request('http://x') as NextRequestLike))
  })

  it('refuses a bad configuration or price when the route is defined', () => {
    expect(() => tollgate({ ...sellerConfig(), settler: undefined as never })).toThrow(ConfigurationError)
    const { withPayment } = tollgate(sellerConfig())
    expect(() => withPayment(async () => new Response(), { amount: '-1', network: 'base-sepolia' })).toThrow(ConfigurationError)
  })

  it('reads a configuration function only at the first request, so next build can import routes without secrets', async () => {
    let reads = 0
    const { withPayment } = tollgate(() => {
      reads++
      return { ...sellerConfig(), payTo: 'not an address' as `0x${string}` }
    })
    const GET = withPayment(async () => new Response('never'), { amount: '0.10', network: 'base-sepolia' })
    expect(reads).toBe(0)
    await expect(GET(new Request('http://127.0.0.1/x'))).rejects.toThrow(ConfigurationError)
    expect(reads).toBe(1)
  })
})
