import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paymentOf, tollgate, type VerifiedPayment } from '../../adapters/fetch.js'
import { ConfigurationError, localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import { ExampleConfigError } from '../../examples/express/config.js'
import { createSellerApp } from '../../examples/hono/app.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { exampleEnv } from '../support/example-env.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const PRICE = 100_000n
const WEATHER_PRICE = 10_000n
let chain: TestChain
let buyerIndex = 0

beforeAll(async () => {
  chain = await startTestChain()
})

afterAll(async () => {
  await chain?.stop()
})

const nextBuyer = () => chain.accounts.buyers[buyerIndex++ % chain.accounts.buyers.length]!

function sellerConfig(): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  }
}

/** A hand-signed v2 payment for the route whose 402 is `challenge`. */
async function paymentFor(challenge: Response, value = PRICE) {
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  const from = nextBuyer()
  const payload = await signAuthorization({ from, to: chain.accounts.seller.address, value, token: chain.tokenInfo, chainId: chain.chainId })
  return { header: encodeHeader(v2Payment(accepted, payload)), from }
}

describe('tollgate/fetch as a plain fetch handler (Bun, Deno, Workers style)', () => {
  it('gives the protected handler the payment, as an argument and through paymentOf(request)', async () => {
    const paid = tollgate(sellerConfig()).paywall({ amount: '0.10', network: 'base-sepolia' })
    const seen: { argument?: VerifiedPayment; lookedUp?: VerifiedPayment | undefined } = {}
    const serve = (request: Request) =>
      paid(request, async (req, payment) => {
        seen.argument = payment
        seen.lookedUp = paymentOf(req)
        return Response.json({ payer: payment.payer })
      })

    const url = 'https://api.example/report?day=1'
    const challenge = await serve(new Request(url))
    expect(challenge.status).toBe(402)
    expect(decodeHeader<{ resource: { url: string } }>(challenge.headers.get('payment-required')!).resource.url).toBe(url)
    const { header, from } = await paymentFor(challenge)
    const res = await serve(new Request(url, { headers: { 'payment-signature': header } }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: from.address })
    expect(seen.argument).toMatchObject({ payer: from.address, amount: '100000', network: 'eip155:84532' })
    expect(seen.lookedUp).toBe(seen.argument)
  })

  it('charges nothing when the buyer hangs up before the handler answers, and the payment stays usable', async () => {
    const paid = tollgate(sellerConfig()).paywall({ amount: '0.10', network: 'base-sepolia' })
    const url = 'http://127.0.0.1/hang-up'
    const { header, from } = await paymentFor(await paid(new Request(url), () => new Response('unreachable')))
    const [transfers, before] = [await chain.transferCount(), await chain.balanceOf(from.address)]
    const hangUp = new AbortController()
    const res = await paid(new Request(url, { headers: { 'payment-signature': header }, signal: hangUp.signal }), async () => {
      hangUp.abort()
      return new Response('PAID CONTENT')
    })
    expect(res.status).toBe(499)
    expect(await res.text()).toBe('')
    expect(await chain.transferCount()).toBe(transfers)
    const retry = await paid(new Request(url, { headers: { 'payment-signature': header } }), async () => new Response('PAID CONTENT'))
    expect(retry.status).toBe(200)
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect(await chain.balanceOf(from.address)).toBe(before - PRICE)
  })

  it('checks a configuration object at once, and a configuration function at the first request', async () => {
    expect(() => tollgate({ ...sellerConfig(), payTo: '0xnot-an-address' as `0x${string}` })).toThrow(ConfigurationError)
    expect(() => tollgate(sellerConfig()).paywall({ amount: 0.1 as unknown as string, network: 'base-sepolia' })).toThrow(ConfigurationError)

    let reads = 0
    const lazy = tollgate(() => {
      reads++
      throw new ConfigurationError(['PAY_TO is missing'])
    })
    const paid = lazy.paywall({ amount: '0.10', network: 'base-sepolia' })
    expect(reads).toBe(0)
    await expect(paid(new Request('http://127.0.0.1/x'), () => new Response('no'))).rejects.toThrow(/PAY_TO is missing/)
  })
})

describe('the Hono example seller', () => {
  it('answers app.request() in-process: /health free, /weather 402 in both generations, then sold to the official v2 client', async () => {
    const app = createSellerApp(exampleEnv(chain))
    expect(await (await app.request('/health')).json()).toEqual({ ok: true })

    const challenge = await app.request('http://127.0.0.1/weather')
    expect(challenge.status).toBe(402)
    const v2 = decodeHeader<{ resource: { url: string }; accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!)
    expect(v2.resource.url).toBe('http://127.0.0.1/weather')
    expect(v2.accepts[0]).toMatchObject({ network: 'eip155:84532', amount: '10000', asset: chain.token })
    expect(await challenge.json()).toMatchObject({ x402Version: 1, accepts: [{ network: 'base-sepolia', maxAmountRequired: '10000' }] })

    const buyer = nextBuyer()
    const before = await chain.balanceOf(buyer.address)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: ((input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch })
    const res = await pay('http://127.0.0.1/weather')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ city: 'Lisbon', paidBy: buyer.address })
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(before - WEATHER_PRICE)
  })

  it('answers a CORS preflight for /weather without payment', async () => {
    const res = await createSellerApp(exampleEnv(chain)).request('/weather', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'payment-signature' },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-headers')).toContain('payment-signature')
  })

  it('is sold over real HTTP on 127.0.0.1', async () => {
    const server = await serveOnNode(createSellerApp(exampleEnv(chain)).fetch, '127.0.0.1', 0)
    try {
      expect((await fetch(`${server.url}/weather`)).status).toBe(402)
      const buyer = nextBuyer()
      const before = await chain.balanceOf(buyer.address)
      const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${server.url}/weather`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ paidBy: buyer.address })
      expect(await chain.balanceOf(buyer.address)).toBe(before - WEATHER_PRICE)
    } finally {
      await server.close()
    }
  })

  it('lists every problem of a bad environment at once', () => {
    expect(() => createSellerApp({})).toThrow(ExampleConfigError)
    expect(() => createSellerApp({ ...exampleEnv(chain), PAY_TO: 'nope', RPC_URL: '' })).toThrow(/PAY_TO "nope" is not an EVM address[\s\S]*RPC_URL is required/)
  })

  it('runs as `npx tsx examples/hono/server.ts`: prints where it listens, serves, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/hono/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...exampleEnv(chain) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    try {
      let url: string | undefined
      for (let tries = 0; !url && tries < 400; tries++) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
        if (!url) await new Promise((r) => setTimeout(r, 50))
      }
      expect(url, output).toBeTruthy()
      expect((await fetch(`${url}/health`)).status).toBe(200)
      expect((await fetch(`${url}/weather`)).status).toBe(402)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})
