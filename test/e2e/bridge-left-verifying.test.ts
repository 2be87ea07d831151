/**
 * Issue 10, point 8: a buyer who leaves while the seller is still verifying the payment (the chain is
 * slow to answer) is not charged: the handler never runs, nothing moves on chain, and the same
 * payment then buys the content. Every Node framework over real HTTP, and the Web bridge with a
 * Request whose signal aborts; the chain is a real anvil behind a proxy that holds answers back.
 */
import { request, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import type { TollgateConfig } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer, requirementAt, signedV2, type V2Requirement } from '../support/payments.js'
import { startDelayProxy, type DelayProxy } from './bridge-delay-proxy.js'
import { bridgeConfig, NODE_FRAMEWORKS, startBridgeSeller, type BridgeSeller } from './bridge-sellers.js'

const PRICE = 100_000n
const paid = { amount: '0.10', network: 'base-sepolia' } as const

let chain: TestChain
let proxy: DelayProxy
const handlerRuns = new Map<string, number>()

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  proxy = await startDelayProxy(chain.rpcUrl)
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await chain?.stop()
})

const config = (): TollgateConfig => bridgeConfig(chain, {}, proxy.url)

/** A raw handler that counts its runs under `key` and answers the content. */
const serve = (key: string) => (_req: unknown, res: ServerResponse) => {
  handlerRuns.set(key, (handlerRuns.get(key) ?? 0) + 1)
  res.writeHead(200, { 'content-type': 'text/plain' }).end('PAID CONTENT')
}

/** Presents `header` again until the first presentation has finished with it (409 while it still holds the claim). */
async function presentAgain(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await send()
    if (res.status !== 409) return res
    await res.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('the payment stayed claimed: the first presentation never let it go')
}

describe.each(NODE_FRAMEWORKS)('%s', (framework) => {
  let seller: BridgeSeller

  beforeAll(async () => {
    seller = await startBridgeSeller(framework, config(), [
      { path: '/after', paywall: paid, raw: serve(`${framework} after`) },
      { path: '/before', paywall: { ...paid, settle: 'before-handler' }, raw: serve(`${framework} before`) },
    ])
  }, 120_000)

  afterAll(async () => {
    await seller?.close()
  })

  for (const route of ['after', 'before'] as const) {
    it(`${route}-handler route: the buyer hangs up during verification → handler not run, nothing charged, the payment still buys`, async () => {
      const url = `${seller.url}/${route}`
      const buyer = await freshBuyer(chain, PRICE)
      const { header } = await signedV2(chain, await requirementAt(url), buyer)
      const transfers = await chain.transferCount()

      // The seller's side of the connection closing: proof it knows the buyer left before the chain answers.
      const closed = new Promise<void>((resolve) => seller.server.once('connection', (socket: Socket) => socket.once('close', () => resolve())))
      const stalled = proxy.stall()
      const req = request(url, { headers: { 'payment-signature': header }, agent: false })
      req.on('error', () => undefined)
      req.end()
      await stalled
      req.destroy()
      await closed
      proxy.open()

      const again = await presentAgain(() => fetch(url, { headers: { 'payment-signature': header } }))
      expect(again.status).toBe(200)
      expect(await again.text()).toBe('PAID CONTENT')
      // One run and one transfer: the retry's. The presentation abandoned mid-verification ran and charged nothing.
      expect(handlerRuns.get(`${framework} ${route}`)).toBe(1)
      expect(await chain.transferCount()).toBe(transfers + 1)
      expect(await chain.balanceOf(buyer.address)).toBe(0n)
    })
  }
})

describe('the Web bridge (tollgate/fetch, as Next uses it too)', () => {
  for (const settle of ['after-handler', 'before-handler'] as const) {
    it(`${settle}: the request's signal aborts during verification → handler not run, nothing charged, the payment still buys`, async () => {
      const paywall = fetchTollgate(config()).paywall({ ...paid, settle })
      const url = `http://127.0.0.1/web-${settle}`
      let runs = 0
      const handler = async () => {
        runs++
        return new Response('PAID CONTENT')
      }
      const challenge = await paywall(new Request(url), handler)
      expect(challenge.status).toBe(402)
      const buyer = await freshBuyer(chain, PRICE)
      const { header } = await signedV2(chain, requirementFrom(challenge), buyer)
      const transfers = await chain.transferCount()

      const hangUp = new AbortController()
      const stalled = proxy.stall()
      const first = paywall(new Request(url, { headers: { 'payment-signature': header }, signal: hangUp.signal }), handler)
      await stalled
      hangUp.abort()
      proxy.open()
      const left = await first
      expect(left.status).toBe(499)
      expect(runs).toBe(0)
      expect(await chain.transferCount()).toBe(transfers)

      const again = await paywall(new Request(url, { headers: { 'payment-signature': header } }), handler)
      expect(again.status).toBe(200)
      expect(runs).toBe(1)
      expect(await chain.transferCount()).toBe(transfers + 1)
      expect(await chain.balanceOf(buyer.address)).toBe(0n)
    })
  }
})

function requirementFrom(challenge: Response): V2Requirement {
  return decodeHeader<{ accepts: V2Requirement[] }>(challenge.headers.get('payment-required')!).accepts[0]!
}
