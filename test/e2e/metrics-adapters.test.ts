/**
 * The scrape endpoint in one line per adapter, over real HTTP on loopback: Express, Koa (with
 * @koa/router), Fastify, Hono (fetch adapter) and a Next route handler. Each serves Prometheus text
 * with the registry's content type, a JSON answer as JSON, and leaves a producer's failure to the
 * framework (a 500, nothing of the error's text).
 */
import { createServer } from 'node:http'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveAnswer as expressServe } from '../../adapters/express.js'
import { serveAnswer as fastifyServe } from '../../adapters/fastify.js'
import { serveAnswer as fetchServe } from '../../adapters/fetch.js'
import { serveAnswer as koaServe } from '../../adapters/koa.js'
import { serveAnswer as nextServe } from '../../adapters/next.js'
import type { AnswerProducer } from '../../adapters/serve-answer.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { parsePrometheus, series } from './metrics-text.js'

const metrics = tollgateMetrics()
const SECRET = 'secret-rpc-https://user:pass@rpc.example'
const json: AnswerProducer = (request) => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { ok: true, method: request.method } })
const broken: AnswerProducer = () => {
  throw new Error(SECRET)
}

type Start = () => Promise<TestServer>

const adapters: Record<string, Start> = {
  express: async () => {
    const app = express()
    app.get('/metrics', expressServe(metrics.scrape))
    app.get('/json', expressServe(json))
    app.get('/broken', expressServe(broken))
    // Express's default error page would show the stack outside production: the seller's own handler decides.
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).end())
    return listenOnLoopback(createServer(app))
  },
  koa: async () => {
    const app = new Koa()
    const router = new Router()
    router.get('/metrics', koaServe(metrics.scrape))
    router.get('/json', koaServe(json))
    router.get('/broken', koaServe(broken))
    app.silent = true
    app.use(router.routes())
    return listenOnLoopback(createServer(app.callback()))
  },
  fastify: async () => {
    const app = Fastify()
    app.get('/metrics', fastifyServe(metrics.scrape))
    app.get('/json', fastifyServe(json))
    app.get('/broken', fastifyServe(broken))
    app.setErrorHandler((_error, _request, reply) => reply.code(500).send())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
  },
  hono: async () => {
    const app = new Hono()
    const scrape = fetchServe(metrics.scrape)
    app.get('/metrics', (c) => scrape(c.req.raw))
    app.get('/json', (c) => fetchServe(json)(c.req.raw))
    app.get('/broken', (c) => fetchServe(broken)(c.req.raw))
    app.onError((_error, c) => c.body(null, 500))
    return serveOnNode(app.fetch, '127.0.0.1', 0)
  },
  next: async () => {
    // What `export const GET = serveAnswer(metrics.scrape)` in app/metrics/route.ts serves.
    const routes: Record<string, (request: Request) => Promise<Response>> = {
      '/metrics': nextServe(metrics.scrape),
      '/json': nextServe(json),
      '/broken': nextServe(broken),
    }
    return serveOnNode((request) => routes[new URL(request.url).pathname]!(request), '127.0.0.1', 0)
  },
}

beforeAll(() => {
  // Something counted, so the scrape has samples to check.
  metrics.hooks.onRejected!({ route: 'GET /data', reason: 'invalid_payment', status: 402, request: new Request('http://x/data') })
})

describe.each(Object.keys(adapters))('%s: serveAnswer', (name) => {
  let server: TestServer
  beforeAll(async () => {
    server = await adapters[name]!()
  })
  afterAll(() => server?.close())

  it('GET /metrics: Prometheus text with the registry content type, the counted sample in it', async () => {
    const res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType)
    const samples = parsePrometheus(await res.text())
    expect(series(samples, 'tollgate_payments_rejected_total')).toEqual({ 'reason=invalid_payment,route=GET /data': 1 })
  })

  it('a JSON answer is sent as JSON, the request given to the producer', async () => {
    const res = await fetch(`${server.url}/json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({ ok: true, method: 'GET' })
  })

  it("a producer's throw is the framework's error: 500, nothing of its text", async () => {
    const res = await fetch(`${server.url}/broken`)
    expect(res.status).toBe(500)
    expect(await res.text()).not.toContain('secret')
  })
})
