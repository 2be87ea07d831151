/** Inside a paywalled handler the payment is present in every adapter; outside one it stays optional. */
import express, { type Request } from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { expectTypeOf } from 'vitest'
import * as ex from '../../adapters/express.js'
import * as fa from '../../adapters/fastify.js'
import * as fe from '../../adapters/fetch.js'
import * as ko from '../../adapters/koa.js'
import * as nx from '../../adapters/next.js'

declare const config: ex.TollgateConfig
const options = { amount: '0.10', network: 'base-sepolia' } as const

// Express: gate.paid types req.payment as present; a plain handler after gate.paywall sees it optional.
const expressGate = ex.tollgate(config)
express().get('/a', expressGate.paid(options, (req, res) => void res.json({ payer: req.payment.payer })))
express().get('/b', expressGate.paywall(options), (req: Request, res) => {
  // @ts-expect-error outside gate.paid the payment may be absent
  res.json({ payer: req.payment.payer })
})
expectTypeOf<ex.PaidRequest['payment']>().toEqualTypeOf<ex.Payment>()

// Koa: ctx.state.payment.
const koaGate = ko.tollgate(config)
new Koa().use(koaGate.paid(options, (ctx) => void (ctx.body = { payer: ctx.state.payment.payer })))
expectTypeOf<ko.PaidContext['state']['payment']>().toEqualTypeOf<ko.Payment>()

// Fastify: request.payment, through route options.
const fastifyGate = fa.tollgate(config)
Fastify().get('/a', fastifyGate.paid(options, async (request) => ({ payer: request.payment.payer })))
Fastify().get('/b', { preHandler: fastifyGate.paywall(options) }, async (request) => {
  // @ts-expect-error outside gate.paid the payment may be absent
  return { payer: request.payment.payer }
})

// fetch: the handler's second argument; Hono's c.get('payment') with PaymentVariables.
const fetchGate = fe.tollgate(config)
const paid = fetchGate.paywall(options)
const app = new Hono<{ Variables: fe.PaymentVariables }>()
app.get('/a', (c) => paid(c.req.raw, (_request, payment) => c.json({ payer: payment.payer })))
app.use('/b', async (c, next) => {
  const response = await paid(c.req.raw, async (_request, payment) => {
    c.set('payment', payment)
    await next()
    return c.res
  })
  c.res = undefined
  c.res = response
})
app.get('/b', (c) => c.json({ payer: c.get('payment').payer }))

// Next: the handler's context carries the payment.
const nextGate = nx.tollgate(() => config)
export const GET = nextGate.withPayment(async (_request, { payment }) => Response.json({ payer: payment.payer }), options)

// Every adapter exports the payment type under a short name, and ConfigurationError.
expectTypeOf<ex.Payment>().toEqualTypeOf<fa.Payment>()
expectTypeOf<fe.Payment>().toEqualTypeOf<nx.Payment>()
expectTypeOf<ko.Payment>().toEqualTypeOf<ex.Payment>()
expectTypeOf(new ex.ConfigurationError([])).toEqualTypeOf(new fe.ConfigurationError([]))
void [ko.ConfigurationError, fa.ConfigurationError, nx.ConfigurationError]
