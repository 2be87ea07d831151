/**
 * Issue 10, point 6: a held response is bounded. A handler piping 50 MiB into a paid response makes
 * the seller hold at most the route's cap (`hold.maxBytes`) before settling; past it, overflow
 * 'settle' charges and streams the rest live with real backpressure, and 'refuse' answers 502
 * response_too_large, charges nothing and stops the producer. Every Node framework, on its raw
 * path (Express's res, Koa's ctx.respond = false, Fastify's reply.hijack()) and with its own stream
 * bodies, and the Web bridge; over real HTTP, on a real anvil.
 *
 * What is measured: how many bytes the handler's producer had been asked for when the payment
 * settled (the seller's log line for the settlement), against the cap.
 */
import type { ServerResponse } from 'node:http'
import { pipeline, Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import type { PaywallOptions, TollgateConfig } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer, requirementAt, signedV2, type V2Requirement } from '../support/payments.js'
import { bridgeConfig, NODE_FRAMEWORKS, startBridgeSeller, type BridgeSeller } from './bridge-sellers.js'

const PRICE = 100_000n
const MiB = 1024 * 1024
const TOTAL = 50 * MiB
const CHUNK = 64 * 1024
const CAP = 1 * MiB
/** The producer's own buffer and the chunk in flight when the hold said stop. */
const SLACK = 4 * CHUNK
const paid = { amount: '0.10', network: 'base-sepolia' } as const
const OCTETS = { 'content-type': 'application/octet-stream' }

let chain: TestChain
/** The producer of the request under test, and what it had produced when each settlement was logged. */
let current: Producer | undefined
const atSettlement: number[] = []

interface Producer {
  stream: Readable
  pulled(): number
  /** Settles when the stream is destroyed or ends. */
  closed: Promise<void>
}

/** A stream of `total` bytes generated only as it is read, counting what was asked of it. */
function producer(total = TOTAL): Producer {
  let pulled = 0
  const block = Buffer.alloc(CHUNK, 0x61)
  const stream = new Readable({
    read() {
      if (pulled >= total) return void this.push(null)
      const size = Math.min(CHUNK, total - pulled)
      pulled += size
      this.push(size === CHUNK ? block : block.subarray(0, size))
    },
  })
  current = { stream, pulled: () => pulled, closed: new Promise((resolve) => stream.once('close', resolve)) }
  return current
}

const config = (): TollgateConfig =>
  bridgeConfig(chain, {
    logger: {
      info: (_message, fields) => {
        if (fields?.transaction && current) atSettlement.push(current.pulled())
      },
    },
  })

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
}, 120_000)

afterAll(async () => {
  await chain?.stop()
})

/** Reads a body to its end, counting bytes without keeping them. */
async function byteCount(res: Response): Promise<number> {
  let count = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) count += chunk.byteLength
  return count
}

async function pay(url: string) {
  const buyer = await freshBuyer(chain, PRICE)
  const { header } = await signedV2(chain, await requirementAt(url), buyer)
  return { buyer, header, transfers: await chain.transferCount(), settledBefore: atSettlement.length }
}

describe.each(NODE_FRAMEWORKS)('%s', (framework) => {
  let seller: BridgeSeller
  const route = (path: string, paywall: PaywallOptions, how: 'raw' | 'body') =>
    how === 'raw' ? { path, paywall, raw: (_req: unknown, res: ServerResponse) => void pipeline(producer().stream, res.writeHead(200, OCTETS), () => undefined) } : { path, paywall, body: () => producer().stream }

  beforeAll(async () => {
    seller = await startBridgeSeller(framework, config(), [
      route('/raw-settle', { ...paid, hold: { maxBytes: CAP, overflow: 'settle' } }, 'raw'),
      route('/raw-refuse', { ...paid, hold: { maxBytes: CAP, overflow: 'refuse' } }, 'raw'),
      route('/raw-default', paid, 'raw'),
      route('/body', { ...paid, hold: { maxBytes: CAP, overflow: 'settle' } }, 'body'),
      { path: '/one-piece', paywall: { ...paid, hold: { maxBytes: CAP, overflow: 'refuse' } }, raw: (_req, res) => void res.writeHead(200, OCTETS).end(Buffer.alloc(2 * CAP, 0x61)) },
      { path: '/small', paywall: paid, raw: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('small') },
    ])
  }, 120_000)

  afterAll(async () => {
    await seller?.close()
  })

  it("raw output past the cap with overflow 'settle': settled when the cap is reached, then all 50 MiB stream with the settlement header", async () => {
    const { buyer, header, transfers, settledBefore } = await pay(`${seller.url}/raw-settle`)
    const res = await fetch(`${seller.url}/raw-settle`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await byteCount(res)).toBe(TOTAL)
    expect(atSettlement.length).toBe(settledBefore + 1)
    expect(atSettlement.at(-1)).toBeLessThanOrEqual(CAP + SLACK)
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect(await chain.balanceOf(buyer.address)).toBe(0n)
  })

  it('the default cap (4 MiB) bounds a route that sets none', async () => {
    const { header, transfers, settledBefore } = await pay(`${seller.url}/raw-default`)
    const res = await fetch(`${seller.url}/raw-default`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await byteCount(res)).toBe(TOTAL)
    expect(atSettlement.length).toBe(settledBefore + 1)
    expect(atSettlement.at(-1)).toBeLessThanOrEqual(4 * MiB + SLACK)
    expect(await chain.transferCount()).toBe(transfers + 1)
  })

  it("raw output past the cap with overflow 'refuse': 502 response_too_large, nothing charged, the producer stopped, the payment still good", async () => {
    const { buyer, header, transfers, settledBefore } = await pay(`${seller.url}/raw-refuse`)
    const res = await fetch(`${seller.url}/raw-refuse`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(502)
    expect(res.headers.get('payment-response')).toBeNull()
    const body = await res.text()
    expect(JSON.parse(body)).toMatchObject({ error: 'response_too_large' })
    expect(body).not.toContain('aaaa')
    await current!.closed
    expect(current!.pulled()).toBeLessThanOrEqual(CAP + SLACK)
    expect(atSettlement.length).toBe(settledBefore)
    expect(await chain.transferCount()).toBe(transfers)
    expect(await chain.balanceOf(buyer.address)).toBe(PRICE)

    const small = await fetch(`${seller.url}/small`, { headers: { 'payment-signature': header } })
    expect(small.status).toBe(200)
    expect(await small.text()).toBe('small')
    expect(await chain.transferCount()).toBe(transfers + 1)
  })

  it("an answer over the cap in one piece (res.end(buffer)) follows overflow 'refuse' too: 502, nothing charged", async () => {
    const { buyer, header, transfers } = await pay(`${seller.url}/one-piece`)
    const res = await fetch(`${seller.url}/one-piece`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({ error: 'response_too_large' })
    expect(await chain.transferCount()).toBe(transfers)
    expect(await chain.balanceOf(buyer.address)).toBe(PRICE)
  })

  it(`a stream body in ${framework}'s own idiom is not read before settlement, then arrives whole`, async () => {
    const { header, transfers, settledBefore } = await pay(`${seller.url}/body`)
    const res = await fetch(`${seller.url}/body`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await byteCount(res)).toBe(TOTAL)
    expect(atSettlement.length).toBe(settledBefore + 1)
    // Express pipes through the hold (bounded by the cap); Koa and Fastify hold nothing: they pipe only once settled.
    expect(atSettlement.at(-1)).toBeLessThanOrEqual(framework === 'express' ? CAP + SLACK : SLACK)
    expect(await chain.transferCount()).toBe(transfers + 1)
  })
})

describe('the Web bridge (tollgate/fetch, as Next uses it too)', () => {
  it('a streamed Response body is not pulled before settlement, then arrives whole', async () => {
    const paywall = fetchTollgate(config()).paywall(paid)
    const url = 'http://127.0.0.1/web-stream'
    let pulled = 0
    const handler = async () => {
      current = { stream: new Readable(), pulled: () => pulled, closed: Promise.resolve() }
      const block = new Uint8Array(CHUNK).fill(0x61)
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= TOTAL) return controller.close()
          pulled += CHUNK
          controller.enqueue(block)
        },
      })
      return new Response(body, { headers: { 'content-type': 'application/octet-stream' } })
    }
    const challenge = await paywall(new Request(url), handler)
    const buyer = await freshBuyer(chain, PRICE)
    const { header } = await signedV2(chain, decodeHeader<{ accepts: V2Requirement[] }>(challenge.headers.get('payment-required')!).accepts[0]!, buyer)
    const settledBefore = atSettlement.length
    const res = await paywall(new Request(url, { headers: { 'payment-signature': header } }), handler)
    expect(res.status).toBe(200)
    expect(atSettlement.length).toBe(settledBefore + 1)
    expect(atSettlement.at(-1)).toBeLessThanOrEqual(2 * CHUNK)
    expect(await byteCount(res)).toBe(TOTAL)
  })
})
