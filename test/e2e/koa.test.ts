/**
 * The Koa adapter in a Koa app as sellers write it: @koa/router with a prefix, an outer middleware
 * (CORS header, status log), `app.proxy` behind a proxy, and handlers that bypass Koa with
 * `ctx.respond = false`. Over real HTTP on a real anvil.
 */
import { createServer, request } from 'node:http'
import Router from '@koa/router'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { tollgate } from '../../adapters/koa.js'
import type { VerifiedPayment } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { tick } from '../conformance/harness.js'
import { paid, paymentFor, sellerConfig, settlementOf, spendPresented } from './adapter-payments.js'

let chain: TestChain
let server: TestServer
/** The status each path had when the outermost middleware saw it, after everything downstream. */
const seenStatus = new Map<string, number>()
let entered!: () => void
let hungUp!: () => void
let answered!: () => void
const inSlowHandler = new Promise<void>((resolve) => (entered = resolve))
const clientGone = new Promise<void>((resolve) => (hungUp = resolve))
const slowAnswered = new Promise<void>((resolve) => (answered = resolve))

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const gate = tollgate(sellerConfig(chain))
  const app = new Koa()
  app.proxy = true
  app.use(async (ctx, next) => {
    ctx.set('access-control-allow-origin', '*')
    await next()
    seenStatus.set(ctx.path, ctx.status)
  })
  const router = new Router({ prefix: '/api' })
  const paywall = gate.paywall(paid)
  router.get('/data', paywall, (ctx) => {
    expectTypeOf(ctx.state.payment).toEqualTypeOf<VerifiedPayment | undefined>()
    ctx.set('x-handler', 'yes')
    ctx.body = { payer: ctx.state.payment?.payer }
  })
  router.get('/spent', paywall, async (ctx) => {
    await spendPresented(chain, ctx.get('payment-signature'))
    ctx.set('x-handler', 'yes')
    ctx.body = { secret: 'SECRET' }
  })
  router.get('/raw', paywall, async (ctx) => {
    if (ctx.query.spend) await spendPresented(chain, ctx.get('payment-signature'))
    ctx.respond = false
    ctx.res.writeHead(200, { 'content-type': 'text/plain', 'x-handler': 'yes' })
    ctx.res.write('RAW ')
    await tick()
    ctx.res.end('SECRET')
  })
  router.get('/raw-throws', paywall, async (ctx) => {
    ctx.respond = false
    ctx.res.writeHead(200, { 'content-type': 'text/plain', 'x-handler': 'yes' })
    ctx.res.write('RAW SECRET')
    throw new Error('boom')
  })
  router.get('/nothing', paywall, () => undefined)
  router.get('/slow', paywall, async (ctx) => {
    ctx.req.socket.once('close', hungUp)
    entered()
    await clientGone
    ctx.body = { content: 'nobody is listening' }
    answered()
  })
  app.use(router.routes())
  app.silent = true
  server = await listenOnLoopback(createServer(app.callback()))
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

async function payAt(path: string, query = '') {
  const { header, buyer } = await paymentFor(chain, (await fetch(`${server.url}${path}`)).headers.get('payment-required'))
  const transfers = await chain.transferCount()
  const res = await fetch(`${server.url}${path}${query}`, { headers: { 'payment-signature': header } })
  return { res, header, buyer, transfers }
}

describe('Koa with @koa/router', () => {
  it('behind a proxy (app.proxy), the resource the buyer pays for is the forwarded URL', async () => {
    const res = await fetch(`${server.url}/api/data?q=1`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' } })
    expect(res.status).toBe(402)
    const v2 = decodeHeader<{ resource: { url: string } }>(res.headers.get('payment-required')!)
    expect(v2.resource.url).toBe('https://shop.example/api/data?q=1')
  })

  it('ctx.state.payment reaches the handler; the outer middleware sees the settled 200', async () => {
    const { res, buyer, transfers } = await payAt('/api/data')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: buyer.address })
    expect(res.headers.get('x-handler')).toBe('yes')
    expect(settlementOf(res.headers.get('payment-response'))).toMatchObject({ success: true, payer: buyer.address })
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect(seenStatus.get('/api/data')).toBe(200)
  })

  it("a failed settlement: 402, the outer middleware's headers kept, the handler's dropped, and the 402 is what outer middleware sees", async () => {
    const { res, transfers } = await payAt('/api/spent')
    expect(res.status).toBe(402)
    expect(await res.text()).not.toContain('SECRET')
    expect(res.headers.get('x-handler')).toBeNull()
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(settlementOf(res.headers.get('payment-response'))).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_nonce_already_used' })
    expect(await chain.transferCount()).toBe(transfers + 1) // the handler's own use of the authorization
    expect(seenStatus.get('/api/spent')).toBe(402)
  })

  it('a handler that sets no body gets Koa’s 404, and the buyer keeps their money and their payment', async () => {
    const { res, header, transfers } = await payAt('/api/nothing')
    expect(res.status).toBe(404)
    expect(res.headers.get('payment-response')).toBeNull()
    expect(await chain.transferCount()).toBe(transfers)
    const reuse = await fetch(`${server.url}/api/data`, { headers: { 'payment-signature': header } })
    expect(reuse.status).toBe(200)
    expect(await chain.transferCount()).toBe(transfers + 1)
  })
})

describe('a handler that bypasses Koa (ctx.respond = false)', () => {
  it('is held until the payment settles, then sent whole with the settlement header', async () => {
    const { res, transfers } = await payAt('/api/raw')
    expect(res.status).toBe(200)
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect(settlementOf(res.headers.get('payment-response')).success).toBe(true)
    expect(await res.text()).toBe('RAW SECRET')
  })

  it("that throws after writing gets Koa's 500 without its raw output, and is not charged", async () => {
    const { res, transfers } = await payAt('/api/raw-throws')
    expect(res.status).toBe(500)
    expect(await res.text()).not.toContain('RAW')
    expect(res.headers.get('payment-response')).toBeNull()
    expect(await chain.transferCount()).toBe(transfers)
  })

  it('sends none of its raw output when settlement fails', async () => {
    const { res } = await payAt('/api/raw', '?spend=1')
    expect(res.status).toBe(402)
    expect(res.headers.get('x-handler')).toBeNull()
    expect(await res.text()).not.toContain('RAW')
  })
})

it('a buyer who hangs up before the handler answers is not charged, and the payment stays usable', async () => {
  const { header } = await paymentFor(chain, (await fetch(`${server.url}/api/slow`)).headers.get('payment-required'))
  const transfers = await chain.transferCount()
  const req = request(`${server.url}/api/slow`, { headers: { 'payment-signature': header } })
  req.on('error', () => undefined)
  req.end()
  await inSlowHandler
  req.destroy()
  await slowAnswered
  expect(await chain.transferCount()).toBe(transfers)
  const reuse = await fetch(`${server.url}/api/data`, { headers: { 'payment-signature': header } })
  expect(reuse.status).toBe(200)
  expect(await chain.transferCount()).toBe(transfers + 1)
})
