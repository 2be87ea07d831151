/**
 * A price that depends on the request body, in every adapter, paid by the official v2 client: the
 * body is read once (bounded by `maxBodyBytes`) for the price, the retry is checked against the same
 * price, and the handler still receives the whole body.
 */
import { createServer } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import type { PaywallOptions, VerifiedPayment } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { freshBuyer } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { sellerConfig } from './adapter-payments.js'

const MAX = 64
/** 1000 atomic units per byte of body. */
const perByte: PaywallOptions = { amount: async ({ body }) => ({ atomic: String(1000 * (await body()).length) }), network: 'base-sepolia', maxBodyBytes: MAX }
const echo = (payment: VerifiedPayment | undefined, received: string) => ({ paid: payment?.amount ?? null, received })

let chain: TestChain
const servers: Array<[string, TestServer]> = []

beforeAll(async () => {
  chain = await startTestChain()

  const ex = expressTollgate(sellerConfig(chain))
  const app = express()
  // The app's parser after the paywall: it still gets the whole body.
  app.post('/upload', ex.paywall(perByte), express.text({ type: '*/*' }), (req, res) => void res.json(echo(req.payment, String(req.body))))
  servers.push(['express', await listenOnLoopback(createServer(app))])

  const kg = koaTollgate(sellerConfig(chain))
  const koa = new Koa()
  koa.use(kg.paywall(perByte))
  koa.use(async (ctx) => {
    const chunks: Buffer[] = []
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
    ctx.body = echo(ctx.state.payment, Buffer.concat(chunks).toString('utf8'))
  })
  servers.push(['koa', await listenOnLoopback(createServer(koa.callback()))])

  const fg = fastifyTollgate(sellerConfig(chain))
  const fastify = Fastify()
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  await fastify.register(fg.plugin)
  fastify.post('/upload', fg.paid(perByte, async (request) => echo(request.payment, String(request.body))))
  servers.push(['fastify', { url: await fastify.listen({ port: 0, host: '127.0.0.1' }), close: () => fastify.close() }])

  const paid = fetchTollgate(sellerConfig(chain)).paywall(perByte)
  servers.push(['fetch', await serveOnNode((request) => paid(request, async (req, payment) => Response.json(echo(payment, await req.text()))), '127.0.0.1', 0)])

  const POST = nextTollgate(sellerConfig(chain)).withPayment(async (request, { payment }) => Response.json(echo(payment, await request.text())), perByte)
  servers.push(['next', await serveOnNode((request) => POST(request), '127.0.0.1', 0)])
})

afterAll(async () => {
  await Promise.all(servers.map(([, server]) => server.close()))
  await chain?.stop()
})

describe.each(['express', 'koa', 'fastify', 'fetch', 'next'])('a body-dependent price in %s', (name) => {
  const url = () => `${servers.find(([n]) => n === name)![1].url}/upload`

  it('the official client pays the price of its body; exactly that moves; the handler gets the whole body', async () => {
    const body = `{"text":"${'a'.repeat(30)}"}`
    const buyer = await freshBuyer(chain)
    const before = await chain.balanceOf(chain.accounts.seller.address)
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(url(), { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ paid: String(1000 * body.length), received: body })
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before + 1000n * BigInt(body.length))
  })

  it('a body over maxBodyBytes is refused with 413 before any price, nothing charged', async () => {
    const transfers = await chain.transferCount()
    const res = await fetch(url(), { method: 'POST', body: 'x'.repeat(MAX + 1), headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(413)
    expect(await chain.transferCount()).toBe(transfers)
  })
})
