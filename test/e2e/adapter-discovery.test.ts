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
import { createSellerApp } from '../../examples/hono/app.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { discoveryListingSchema } from '../../src/discovery/listing.js'
import type { PaywallOptions } from '../../src/index.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { probeConfig } from './body-read.fixture.js'

/** One route listed from startup (its `resource` is given), one learnt at its first request. */
const listed: PaywallOptions = { amount: '0.01', network: 'base-sepolia', description: 'Weather now', resource: 'https://api.example.com/weather' }
const learnt: PaywallOptions = { amount: '0.02', network: 'base-sepolia', description: 'Forecast' }
const ok = (text: string) => new Response(text, { headers: { 'content-type': 'text/plain' } })

type Start = () => Promise<TestServer>

const sellers: Array<[string, Start]> = [
  [
    'express',
    async () => {
      const gate = expressTollgate(probeConfig())
      const app = express()
      app.use(gate.discoveryRoutes())
      app.get('/weather', gate.paywall(listed), (_req, res) => void res.send('W'))
      app.get('/forecast', gate.paywall(learnt), (_req, res) => void res.send('F'))
      app.get('/free', (_req, res) => void res.send('FREE'))
      return listenOnLoopback(createServer(app))
    },
  ],
  [
    'koa',
    async () => {
      const gate = koaTollgate(probeConfig())
      const app = new Koa()
      app.use(gate.discoveryRoutes())
      const weather = gate.paywall(listed)
      const forecast = gate.paywall(learnt)
      app.use(async (ctx, next) => {
        if (ctx.path === '/weather') return weather(ctx, async () => void (ctx.body = 'W'))
        if (ctx.path === '/forecast') return forecast(ctx, async () => void (ctx.body = 'F'))
        if (ctx.path === '/free') ctx.body = 'FREE'
        else await next()
      })
      return listenOnLoopback(createServer(app.callback()))
    },
  ],
  [
    'fastify',
    async () => {
      const gate = fastifyTollgate(probeConfig())
      const app = Fastify()
      await app.register(gate.plugin)
      await app.register(gate.discoveryRoutes)
      app.get('/weather', { preHandler: gate.paywall(listed) }, async () => 'W')
      app.get('/forecast', { preHandler: gate.paywall(learnt) }, async () => 'F')
      app.get('/free', async () => 'FREE')
      await app.listen({ port: 0, host: '127.0.0.1' })
      return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, close: () => app.close() }
    },
  ],
  [
    'fetch',
    async () => {
      const gate = fetchTollgate(probeConfig())
      const discovery = gate.discoveryRoutes()
      const weather = gate.paywall(listed)
      const forecast = gate.paywall(learnt)
      return serveOnNode((request) => {
        const path = new URL(request.url).pathname
        if (path === '/weather') return weather(request, () => ok('W'))
        if (path === '/forecast') return forecast(request, () => ok('F'))
        if (path === '/free') return ok('FREE')
        return discovery(request)
      }, '127.0.0.1', 0)
    },
  ],
  [
    'next',
    async () => {
      const gate = nextTollgate(probeConfig())
      // As Next routes them: app/.well-known/x402/route.ts exports GET (and HEAD) = gate.discoveryRoutes().
      const routes: Record<string, (request: Request) => Promise<Response> | Response> = {
        '/.well-known/x402': gate.discoveryRoutes(),
        '/weather': gate.withPayment(() => ok('W'), listed),
        '/forecast': gate.withPayment(() => ok('F'), learnt),
        '/free': () => ok('FREE'),
      }
      return serveOnNode((request) => (routes[new URL(request.url).pathname] ?? (() => new Response('not found', { status: 404 })))(request), '127.0.0.1', 0)
    },
  ],
]

const servers: TestServer[] = []
beforeAll(async () => {
  for (const [, start] of sellers) servers.push(await start())
}, 60_000)
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
})

describe.each(sellers.map(([name], index) => [name, index] as const))('gate.discoveryRoutes() mounted in one line: %s', (_name, index) => {
  const url = (path: string) => `${servers[index]!.url}${path}`

  it('lists the paywalled routes, free, in a document that validates against the listing schema', async () => {
    // The route without `resource` learns its URL at its first request (a 402 here).
    expect((await fetch(url('/forecast'))).status).toBe(402)
    const res = await fetch(url('/.well-known/x402'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const listing = discoveryListingSchema.parse(await res.json())
    const byResource = new Map(listing.items.map((item) => [item.resource, item]))
    expect(byResource.get('https://api.example.com/weather')?.description).toBe('Weather now')
    expect(byResource.get('https://api.example.com/weather')?.accepts[0]).toMatchObject({ network: 'eip155:84532', amount: '10000' })
    expect(byResource.get(url('/forecast'))?.accepts[0]).toMatchObject({ amount: '20000' })
    expect(listing.items.map((item) => item.resource)).not.toContain(url('/free'))
  })

  it('answers HEAD with the headers only', async () => {
    const res = await fetch(url('/.well-known/x402'), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.text()).toBe('')
  })

  it('leaves every other request to the app', async () => {
    expect(await (await fetch(url('/free'))).text()).toBe('FREE')
    expect((await fetch(url('/weather'))).status).toBe(402)
    expect((await fetch(url('/.well-known/x402'), { method: 'POST' })).status).toBe(404)
  })
})

describe('the Hono example mounts the listing in one line', () => {
  it('lists /weather at /.well-known/x402 once it has served its first request', async () => {
    const env = {
      PAY_TO: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      SETTLER_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
      RPC_URL: 'http://127.0.0.1:9',
    }
    const server = await serveOnNode(createSellerApp(env).fetch, '127.0.0.1', 0)
    try {
      expect((await fetch(`${server.url}/weather`)).status).toBe(402)
      const listing = discoveryListingSchema.parse(await (await fetch(`${server.url}/.well-known/x402`)).json())
      expect(listing.items).toEqual([expect.objectContaining({ resource: `${server.url}/weather`, description: "Today's weather" })])
    } finally {
      await server.close()
    }
  })
})
