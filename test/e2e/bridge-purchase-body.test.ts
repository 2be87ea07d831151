/**
 * Issue 10, point 7: the purchase endpoint of the Web bridge (tollgate/fetch and tollgate/next)
 * reads its JSON body with a byte cap. A chunked body of 64 MiB with no content-length is refused
 * with 413 after at most the cap (16 KiB) and one chunk have been pulled from its producer; a
 * declared content-length over the cap is refused unread; a body that is not JSON is left unread.
 * Before the fix, `request.text()` pulled all 64 MiB before checking. The Node frameworks' purchase
 * endpoints answer the same bodies alike (413 or 400 with invalid_payload).
 */
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import { JSON_BODY_LIMIT_BYTES, type TollgateConfig } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { bridgeConfig, NODE_FRAMEWORKS, startBridgeSeller, type BridgeSeller } from './bridge-sellers.js'

const CHUNK = 64 * 1024
const HUGE = 64 * 1024 * 1024
const PURCHASE = 'http://127.0.0.1/prepaid/purchase'

let chain: TestChain

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
}, 120_000)

afterAll(async () => {
  await chain?.stop()
})

const config = (): TollgateConfig =>
  bridgeConfig(chain, {
    prepaid: prepaid({ secret: 'bridge-purchase-body-secret-32-bytes!!', packages: [{ id: 'three', calls: 3, days: 1, price: { amount: '0.10', network: 'base-sepolia' } }] }),
  })

/** A body of `total` bytes of JSON-looking text, generated only as it is pulled, counting what was pulled. */
function lazyBody(total = HUGE) {
  let pulled = 0
  const block = new TextEncoder().encode(' '.repeat(CHUNK))
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close()
      pulled += CHUNK
      controller.enqueue(block)
    },
  })
  return { stream, pulled: () => pulled }
}

function post(body: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request(PURCHASE, { method: 'POST', body, headers, duplex: 'half' } as RequestInit)
}

const adapters = [
  ['tollgate/fetch', () => fetchTollgate(config()).prepaidRoutes()],
  ['tollgate/next', () => nextTollgate(config()).prepaidRoutes()],
] as const

describe.each(adapters)('%s purchase endpoint', (_name, routes) => {
  it('refuses a chunked 64 MiB JSON body with 413 after pulling at most the cap and a chunk', async () => {
    const body = lazyBody()
    const res = await routes()(post(body.stream, { 'content-type': 'application/json' }))
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: 'invalid_payload' })
    expect(body.pulled()).toBeLessThanOrEqual(JSON_BODY_LIMIT_BYTES + 2 * CHUNK)
  })

  it('refuses a declared content-length over the cap without reading the body', async () => {
    const body = lazyBody()
    const res = await routes()(post(body.stream, { 'content-type': 'application/json', 'content-length': String(HUGE) }))
    expect(res.status).toBe(413)
    // A stream pulls once to fill its queue when it is built; nothing beyond that was asked for.
    expect(body.pulled()).toBeLessThanOrEqual(CHUNK)
  })

  it('leaves a body that is not JSON unread, and still reads a small JSON body', async () => {
    const ignored = lazyBody()
    const res = await routes()(post(ignored.stream, { 'content-type': 'text/plain' }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'unknown_package' })
    expect(ignored.pulled()).toBeLessThanOrEqual(CHUNK)

    const small = await routes()(new Request(PURCHASE, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: 'three' }) }))
    // The package id was read from the body: the answer is the package's 402 challenge.
    expect(small.status).toBe(402)
  })
})

/** POSTs to a Node seller over real HTTP; `body` is streamed chunked unless a content-length is given. */
function postOverHttp(url: string, headers: Record<string, string>, body: Readable | string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false })
    req.on('error', () => undefined)
    req.on('response', (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown })
        req.destroy()
      })
      res.on('error', reject)
    })
    if (typeof body === 'string') req.end(body)
    else body.pipe(req)
  })
}

describe.each(NODE_FRAMEWORKS)('%s purchase endpoint (the framework reads the body, with the same cap)', (framework) => {
  let seller: BridgeSeller
  beforeAll(async () => {
    seller = await startBridgeSeller(framework, config(), [])
  }, 120_000)
  afterAll(async () => {
    await seller?.close()
  })
  const url = () => `${seller.url}/prepaid/purchase`

  it('refuses a declared content-length over the cap with 413 invalid_payload', async () => {
    const res = await postOverHttp(url(), { 'content-type': 'application/json', 'content-length': String(HUGE) }, Readable.from([' '.repeat(CHUNK)]))
    expect(res).toMatchObject({ status: 413, json: { error: 'invalid_payload' } })
  })

  it('refuses a chunked body over the cap with 413 invalid_payload', async () => {
    const res = await postOverHttp(url(), { 'content-type': 'application/json' }, Readable.from(lazyChunks(HUGE)))
    expect(res).toMatchObject({ status: 413, json: { error: 'invalid_payload' } })
  })

  it('refuses a malformed JSON body with 400 invalid_payload', async () => {
    const res = await postOverHttp(url(), { 'content-type': 'application/json' }, '{"package": ')
    expect(res).toMatchObject({ status: 400, json: { error: 'invalid_payload' } })
  })
})

function* lazyChunks(total: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += CHUNK) yield Buffer.alloc(CHUNK, 0x20)
}
