/**
 * The page is the core's: Express, Koa, Fastify, Next and the Web fetch adapter send the same HTML (up to
 * the per-response nonce and the server's own origin) with the same headers, over real HTTP. No
 * chain is read to render a page, so none is started.
 */
import { createServer } from 'node:http'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import { localSettler, memoryStore, type PaywallOptions, type TollgateConfig } from '../../src/index.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { listenOnLoopback } from '../support/http.js'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const ROUTE: PaywallOptions = { amount: '0.05', network: 'base-sepolia', description: 'Same everywhere' }
const config = (): TollgateConfig => ({
  payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  // Never reached: a challenge reads no chain.
  settler: localSettler({ privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', rpcUrl: 'http://127.0.0.1:9' }),
  store: memoryStore(),
  paywallPage: { title: 'Acme', colors: { accent: '#0e9f6e' } },
})

const servers: { name: string; url: string; close(): Promise<void> }[] = []

beforeAll(async () => {
  const ex = express()
  ex.get('/data', expressTollgate(config()).paywall(ROUTE), (_req, res) => void res.json({ ok: true }))
  servers.push({ name: 'express', ...(await listenOnLoopback(createServer(ex))) })

  const koa = new Koa()
  const router = new Router()
  router.get('/data', koaTollgate(config()).paywall(ROUTE), (ctx) => void (ctx.body = { ok: true }))
  koa.use(router.routes())
  servers.push({ name: 'koa', ...(await listenOnLoopback(createServer(koa.callback()))) })

  const fastify = Fastify()
  const fg = fastifyTollgate(config())
  await fastify.register(fg.plugin)
  fastify.get('/data', { preHandler: fg.paywall(ROUTE) }, async () => ({ ok: true }))
  const fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' })
  servers.push({ name: 'fastify', url: fastifyUrl, close: () => fastify.close() })

  const paywall = fetchTollgate(config()).paywall(ROUTE)
  servers.push({ name: 'web', ...(await serveOnNode((request) => paywall(request, () => Response.json({ ok: true })), '127.0.0.1', 0)) })

  // A Next route handler (what app/data/route.ts exports as GET), called by the same loopback bridge.
  const GET = nextTollgate(config()).withPayment(async () => Response.json({ ok: true }), ROUTE)
  servers.push({ name: 'next', ...(await serveOnNode((request) => GET(request), '127.0.0.1', 0)) })
})

afterAll(async () => {
  for (const server of servers) await server.close()
})

describe('the browser page in every adapter', () => {
  it('is the same page with the same headers in Express, Koa, Fastify, Next and the Web adapter', async () => {
    const pages = await Promise.all(
      servers.map(async ({ name, url }) => {
        const res = await fetch(`${url}/data`, { headers: { accept: BROWSER } })
        const csp = res.headers.get('content-security-policy') ?? ''
        const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? 'missing'
        const html = (await res.text()).split(nonce).join('NONCE').split(url).join('ORIGIN')
        const headers = Object.fromEntries(['content-type', 'cache-control', 'vary', 'x-content-type-options', 'referrer-policy'].map((h) => [h, res.headers.get(h)]))
        return { name, status: res.status, html, csp: csp.split(nonce).join('NONCE'), headers, nonceOnScript: html.includes('<script nonce="NONCE">') }
      }),
    )
    const [first, ...rest] = pages
    expect(first!.status).toBe(402)
    expect(first!.html).toContain('<h1>Acme</h1>')
    expect(first!.nonceOnScript).toBe(true)
    expect(first!.headers).toEqual({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', vary: 'Accept', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
    for (const page of rest) expect({ ...page, name: first!.name }).toEqual(first)
  })
})
