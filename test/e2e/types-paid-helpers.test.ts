/**
 * `gate.paid(options, handler)` in Express, Koa and Fastify: the paywall and a handler typed with its
 * payment present, in one route. Over real HTTP with real payments on the test chain.
 */
import { createServer } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { tollgate as expressTollgate, type Payment as ExpressPayment } from '../../adapters/express.js'
import { tollgate as fastifyTollgate, type Payment as FastifyPayment } from '../../adapters/fastify.js'
import { tollgate as koaTollgate, type Payment as KoaPayment } from '../../adapters/koa.js'
import type { VerifiedPayment } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { paid, paymentFor, sellerConfig, settlementOf } from './adapter-payments.js'

let chain: TestChain
const servers: Array<[string, TestServer]> = []
let handlerRuns = 0

beforeAll(async () => {
  chain = await startTestChain()

  const ex = expressTollgate(sellerConfig(chain))
  const app = express()
  // Destructured, as sellers do: paid() must not depend on `this`.
  const { paid: exPaid } = ex
  app.get(
    '/data',
    exPaid(paid, (req, res) => {
      handlerRuns++
      expectTypeOf(req.payment).toEqualTypeOf<ExpressPayment>()
      res.json({ payer: req.payment.payer })
    }),
  )
  app.get(
    '/fails',
    exPaid(paid, async () => {
      handlerRuns++
      throw new Error('boom')
    }),
  )
  // Express 4 and 5 alike: a rejected handler reaches the error handler, never an unhandled rejection.
  app.use(((_error, _req, res, _next) => void res.status(500).json({ error: 'handled' })) as express.ErrorRequestHandler)
  servers.push(['express', await listenOnLoopback(createServer(app))])

  const kg = koaTollgate(sellerConfig(chain))
  const koa = new Koa()
  const { paid: koaPaid } = kg
  const data = koaPaid(paid, (ctx) => {
    handlerRuns++
    expectTypeOf(ctx.state.payment).toEqualTypeOf<KoaPayment>()
    ctx.body = { payer: ctx.state.payment.payer }
  })
  const fails = koaPaid(paid, async () => {
    handlerRuns++
    throw new Error('boom')
  })
  koa.use(async (ctx, next) => {
    try {
      await next()
    } catch {
      ctx.status = 500
      ctx.body = { error: 'handled' }
    }
  })
  koa.use((ctx, next) => (ctx.path === '/data' ? data(ctx, next) : ctx.path === '/fails' ? fails(ctx, next) : next()))
  servers.push(['koa', await listenOnLoopback(createServer(koa.callback()))])

  const fg = fastifyTollgate(sellerConfig(chain))
  const fastify = Fastify()
  const { paid: fastifyPaid } = fg
  fastify.setErrorHandler((_error, _request, reply) => reply.code(500).send({ error: 'handled' }))
  await fastify.register(fg.plugin)
  fastify.get(
    '/data',
    fastifyPaid(paid, async (request) => {
      handlerRuns++
      expectTypeOf(request.payment).toEqualTypeOf<FastifyPayment>()
      return { payer: request.payment.payer }
    }),
  )
  fastify.get(
    '/fails',
    fastifyPaid(paid, async () => {
      handlerRuns++
      throw new Error('boom')
    }),
  )
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' })
  servers.push(['fastify', { url, close: () => fastify.close() }])
})

afterAll(async () => {
  await Promise.all(servers.map(([, server]) => server.close()))
  await chain?.stop()
})

describe.each(['express', 'koa', 'fastify'])('gate.paid(options, handler) in %s', (name) => {
  const url = (path: string) => `${servers.find(([n]) => n === name)![1].url}${path}`

  it('challenges an unpaid request without running the handler, and serves a paid one with its payment', async () => {
    const runs = handlerRuns
    const challenge = await fetch(url('/data'))
    expect(challenge.status).toBe(402)
    expect(handlerRuns).toBe(runs)
    const { header, buyer } = await paymentFor(chain, challenge.headers.get('payment-required'))
    const transfers = await chain.transferCount()
    const res = await fetch(url('/data'), { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: buyer.address })
    expect(settlementOf(res.headers.get('payment-response')).success).toBe(true)
    expect(await chain.transferCount()).toBe(transfers + 1)
  })

  it('a handler that throws reaches the app’s error handling, and nothing is charged', async () => {
    const challenge = await fetch(url('/fails'))
    const { header } = await paymentFor(chain, challenge.headers.get('payment-required'))
    const transfers = await chain.transferCount()
    const res = await fetch(url('/fails'), { headers: { 'payment-signature': header } })
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'handled' })
    expect(await chain.transferCount()).toBe(transfers)
  })
})

it('each adapter’s Payment is the core’s VerifiedPayment', () => {
  expectTypeOf<ExpressPayment>().toEqualTypeOf<VerifiedPayment>()
  expectTypeOf<KoaPayment>().toEqualTypeOf<VerifiedPayment>()
  expectTypeOf<FastifyPayment>().toEqualTypeOf<VerifiedPayment>()
})
