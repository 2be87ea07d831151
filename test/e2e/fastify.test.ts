/**
 * The Fastify adapter as sellers use it: `app.inject()` as well as a real listen, a Buffer payload,
 * an onRequest hook's headers, `reply.hijack()`, a custom error handler, and the plugin forgotten or
 * registered too late (a paid route must then refuse, never serve unsettled). On a real anvil.
 */
import { request } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { tollgate, type FastifyTollgate } from '../../adapters/fastify.js'
import { ConfigurationError, type VerifiedPayment } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { tick } from '../conformance/harness.js'
import { paid, paymentFor, sellerConfig, settlementOf, spendPresented } from './adapter-payments.js'

let chain: TestChain
let gate: FastifyTollgate
let app: FastifyInstance
let unguardedRuns = 0
const slow = signals()

/** Lets a test walk a handler through a hang-up step by step, without timers. */
function signals() {
  const make = () => {
    let resolve!: () => void
    return { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() }
  }
  const [entered, gone, answered] = [make(), make(), make()]
  return { entered: entered.promise, enter: entered.resolve, gone: gone.promise, hungUp: gone.resolve, answered: answered.promise, answer: answered.resolve }
}

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  gate = tollgate(sellerConfig(chain))
  app = Fastify()
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*')
  })
  await app.register(gate.plugin)
  const paywall = gate.paywall(paid)
  app.get('/data', { preHandler: paywall }, async (request) => {
    expectTypeOf(request.payment).toEqualTypeOf<VerifiedPayment | undefined>()
    return { payer: request.payment?.payer }
  })
  app.get('/bytes', { preHandler: paywall }, async (_request, reply) => reply.type('application/octet-stream').send(Buffer.from('BYTES')))
  app.get('/spent', { preHandler: paywall }, async (request, reply) => {
    await spendPresented(chain, request.headers['payment-signature'])
    reply.header('x-handler', 'yes')
    return { secret: 'SECRET' }
  })
  app.get<{ Querystring: { spend?: string } }>('/hijack', { preHandler: paywall }, async (request, reply) => {
    if (request.query.spend) await spendPresented(chain, request.headers['payment-signature'])
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'x-handler': 'yes' })
    reply.raw.write('RAW ')
    await tick()
    reply.raw.end('SECRET')
  })
  app.get('/slow', { preHandler: paywall }, async (request) => {
    request.raw.socket.once('close', slow.hungUp)
    slow.enter()
    await slow.gone
    slow.answer()
    return { content: 'nobody is listening' }
  })
  await app.register(async (scope) => {
    // Turns a thrown error into a 200: the handler still failed, so nothing may be charged.
    scope.setErrorHandler(async () => ({ fallback: true }))
    scope.get('/rescued', { preHandler: paywall }, async () => {
      throw new Error('boom')
    })
  })
})

afterAll(async () => {
  await app?.close()
  await chain?.stop()
})

async function injectPaid(target: FastifyInstance, url: string, query = '') {
  const { header, buyer } = await paymentFor(chain, (await target.inject(url)).headers['payment-required'] as string)
  const transfers = await chain.transferCount()
  const res = await target.inject({ url: `${url}${query}`, headers: { 'payment-signature': header } })
  return { res, header, buyer, transfers }
}

describe('through app.inject()', () => {
  it('challenges, then serves request.payment with PAYMENT-RESPONSE after exactly one transfer', async () => {
    const challenge = await app.inject('/data')
    expect(challenge.statusCode).toBe(402)
    expect(decodeHeader<{ resource: { url: string } }>(challenge.headers['payment-required'] as string).resource.url).toBe('http://localhost:80/data')
    const { res, buyer, transfers } = await injectPaid(app, '/data')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ payer: buyer.address })
    expect(settlementOf(res.headers['payment-response'])).toMatchObject({ success: true, payer: buyer.address })
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(await chain.transferCount()).toBe(transfers + 1)
  })

  it('settles a Buffer payload and delivers it untouched', async () => {
    const { res } = await injectPaid(app, '/bytes')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.body).toBe('BYTES')
    expect(settlementOf(res.headers['payment-response']).success).toBe(true)
  })

  it("a failed settlement: 402, the onRequest hook's header kept, the handler's dropped, no content", async () => {
    const { res, transfers } = await injectPaid(app, '/spent')
    expect(res.statusCode).toBe(402)
    expect(res.body).not.toContain('SECRET')
    expect(res.json()).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used' })
    expect(res.headers['x-handler']).toBeUndefined()
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(await chain.transferCount()).toBe(transfers + 1) // the handler's own use of the authorization
  })

  it('an error handler that answers 200 after a throw does not make the buyer pay', async () => {
    const { res, header, transfers } = await injectPaid(app, '/rescued')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ fallback: true })
    expect(res.headers['payment-response']).toBeUndefined()
    expect(await chain.transferCount()).toBe(transfers)
    const reuse = await app.inject({ url: '/data', headers: { 'payment-signature': header } })
    expect(reuse.statusCode).toBe(200)
  })
})

describe('reply.hijack()', () => {
  it('raw output is held until the payment settles', async () => {
    const { res, transfers } = await injectPaid(app, '/hijack')
    expect(res.statusCode).toBe(200)
    expect(settlementOf(res.headers['payment-response']).success).toBe(true)
    expect(res.body).toBe('RAW SECRET')
    expect(await chain.transferCount()).toBe(transfers + 1)
  })

  it('none of it is sent when settlement fails', async () => {
    const { res } = await injectPaid(app, '/hijack', '?spend=1')
    expect(res.statusCode).toBe(402)
    expect(res.headers['x-handler']).toBeUndefined()
    expect(res.body).not.toContain('RAW')
  })
})

describe('the same app over a real listen', () => {
  let url: string
  beforeAll(async () => {
    url = await app.listen({ port: 0, host: '127.0.0.1' })
  })

  it('sells as through inject()', async () => {
    const { header, buyer } = await paymentFor(chain, (await fetch(`${url}/data`)).headers.get('payment-required'))
    const res = await fetch(`${url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: buyer.address })
    expect(settlementOf(res.headers.get('payment-response')).success).toBe(true)
  })

  it('a buyer who hangs up before the handler answers is not charged, and the payment stays usable', async () => {
    const { header } = await paymentFor(chain, (await fetch(`${url}/slow`)).headers.get('payment-required'))
    const transfers = await chain.transferCount()
    const req = request(`${url}/slow`, { headers: { 'payment-signature': header } })
    req.on('error', () => undefined)
    req.end()
    await slow.entered
    req.destroy()
    await slow.answered
    expect(await chain.transferCount()).toBe(transfers)
    expect((await fetch(`${url}/data`, { headers: { 'payment-signature': header } })).status).toBe(200)
    expect(await chain.transferCount()).toBe(transfers + 1)
  })
})

it('gate.plugin registered after the routes, even after their scope, still settles them', async () => {
  const late = Fastify()
  late.register(async (scope) => {
    scope.get('/paid', { preHandler: gate.paywall(paid) }, async (request) => ({ payer: request.payment?.payer }))
  })
  late.register(gate.plugin)
  const { res, buyer, transfers } = await injectPaid(late, '/paid')
  expect(res.statusCode).toBe(200)
  expect(res.json()).toEqual({ payer: buyer.address })
  expect(settlementOf(res.headers['payment-response']).success).toBe(true)
  expect(await chain.transferCount()).toBe(transfers + 1)
  await late.close()
})

describe('a paid route the plugin does not cover fails at app.ready(), before any request', () => {
  const unguarded = async () => {
    unguardedRuns++
    return { secret: 'SECRET' }
  }

  /** ready() rejects with the configuration error naming gate.plugin; no request is ever served, nothing moves. */
  async function expectRefused(target: FastifyInstance) {
    const before = unguardedRuns
    const transfers = await chain.transferCount()
    const failure = await target.ready().then(() => undefined, (error: unknown) => error)
    expect(failure).toBeInstanceOf(ConfigurationError)
    expect(String((failure as Error).message)).toContain('gate.plugin')
    expect(unguardedRuns).toBe(before)
    expect(await chain.transferCount()).toBe(transfers)
    await target.close().catch(() => undefined)
  }

  it('when gate.plugin was never registered', async () => {
    const bare = Fastify()
    bare.get('/paid', { preHandler: gate.paywall(paid) }, unguarded)
    await expectRefused(bare)
  })

  it('when gate.plugin was registered only inside a sibling scope', async () => {
    const sibling = Fastify()
    sibling.register(async (scope) => {
      scope.register(gate.plugin)
    })
    sibling.get('/paid', { preHandler: gate.paywall(paid) }, unguarded)
    await expectRefused(sibling)
  })
})
