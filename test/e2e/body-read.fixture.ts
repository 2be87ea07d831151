/**
 * Sellers on every adapter whose gate reads the request body through `RequestLike.readBody` before
 * letting the request in: the adapter's body reading is what the body tests exercise, so the gate
 * is a thin probe over the real core (the payment itself is tested elsewhere). The probe reads the
 * body twice (the same bytes must come back) and answers 413 when it is over the cap; a request it
 * lets in carries `x-read-bytes` (what the gate saw), and every handler echoes the body it received.
 */
import { request as httpRequest } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { tollgate as nextTollgate } from '../../adapters/next.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { localSettler, memoryStore, type PaymentDecision, type PaymentGate, type PaywallOptions, type Tollgate, type TollgateConfig, type VerifiedPayment } from '../../src/index.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'

export const CAP = 1024
export const PATH = '/echo'

export function probeConfig(): TollgateConfig {
  return {
    payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    settler: localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }),
    store: memoryStore(),
  }
}

export const paywall: PaywallOptions = { amount: '0.01', network: 'base-sepolia' }

/** What the probe saw, per request id (`x-probe` header). */
export const seen = new Map<string, { first: string | null; same: boolean }>()

/** Makes every route of `core` read the body first (cap from `x-cap`, default CAP). */
export function probe(core: Tollgate): void {
  const route = core.route.bind(core)
  core.route = (options) => probeGate(route(options))
}

function probeGate(real: PaymentGate): PaymentGate {
  return {
    ...real,
    async evaluate(request): Promise<PaymentDecision> {
      const cap = Number(request.headers.get('x-cap') ?? CAP)
      const first = await request.readBody!(cap)
      const again = await request.readBody!(cap)
      const text = first && new TextDecoder().decode(first)
      seen.set(request.headers.get('x-probe') ?? '', { first: text, same: again !== null && text === new TextDecoder().decode(again) })
      if (first === null) return { type: 'reject', reason: 'invalid_payload', status: 413, headers: { 'content-type': 'application/json' }, body: { over: cap } } as PaymentDecision
      return {
        type: 'pass',
        payment: { scheme: 'exact', network: 'eip155:84532', networkName: 'base-sepolia', asset: '0x', amount: '1', payTo: '0x' } as VerifiedPayment,
        policy: 'before-handler',
        hold: { maxBytes: 1 << 20, overflow: 'settle' },
        settle: async () => ({ ok: true, headers: { 'x-read-bytes': String(first.byteLength) } }),
        abandon: async () => undefined,
      }
    },
  }
}

export interface Seller extends TestServer {
  name: string
  /** Fastify parses a body before any preHandler, so it never answers before the whole body is in. */
  readsWholeBodyFirst: boolean
}

async function expressSeller(parserFirst: boolean): Promise<Seller> {
  const gate = expressTollgate(probeConfig())
  probe(gate.core)
  const app = express()
  const text = express.text({ type: '*/*', limit: '1mb' })
  if (parserFirst) app.use(text)
  app.post(PATH, gate.paywall(paywall), text, (req, res) => void res.type('text/plain').send(typeof req.body === 'string' ? req.body : ''))
  app.get(PATH, gate.paywall(paywall), (_req, res) => void res.type('text/plain').send('GOT'))
  const server = await listenOnLoopback((await import('node:http')).createServer(app))
  return { ...server, name: parserFirst ? 'express (parser before the paywall)' : 'express', readsWholeBodyFirst: parserFirst }
}

async function koaSeller(): Promise<Seller> {
  const gate = koaTollgate(probeConfig())
  probe(gate.core)
  const app = new Koa()
  app.use(gate.paywall(paywall))
  app.use(async (ctx) => {
    // The handler reads the raw stream itself: it must still see every byte, and its end.
    const chunks: Buffer[] = []
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
    ctx.type = 'text/plain'
    ctx.body = ctx.method === 'GET' ? 'GOT' : Buffer.concat(chunks).toString('utf8')
  })
  const server = await listenOnLoopback((await import('node:http')).createServer(app.callback()))
  return { ...server, name: 'koa', readsWholeBodyFirst: false }
}

async function fastifySeller(): Promise<Seller> {
  const gate = fastifyTollgate(probeConfig())
  probe(gate.core)
  const app = Fastify()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  await app.register(gate.plugin)
  app.post(PATH, { preHandler: gate.paywall(paywall) }, async (request, reply) => reply.type('text/plain').send(String(request.body ?? '')))
  app.get(PATH, { preHandler: gate.paywall(paywall) }, async (_request, reply) => reply.type('text/plain').send('GOT'))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close(), name: 'fastify', readsWholeBodyFirst: true }
}

async function webSeller(kind: 'fetch' | 'next'): Promise<Seller> {
  const handler = async (request: Request) => new Response(request.method === 'GET' ? 'GOT' : await request.text(), { headers: { 'content-type': 'text/plain' } })
  let serve: (request: Request) => Promise<Response>
  if (kind === 'fetch') {
    const gate = fetchTollgate(probeConfig())
    probe(gate.core)
    const paid = gate.paywall(paywall)
    serve = (request) => paid(request, handler)
  } else {
    const gate = nextTollgate(probeConfig())
    probe(gate.core)
    serve = gate.withPayment(handler, paywall)
  }
  const server = await serveOnNode(serve, '127.0.0.1', 0)
  return { ...server, name: kind, readsWholeBodyFirst: false }
}

export const sellers: Array<[string, () => Promise<Seller>]> = [
  ['express', () => expressSeller(false)],
  ['express (parser before the paywall)', () => expressSeller(true)],
  ['koa', koaSeller],
  ['fastify', fastifySeller],
  ['fetch', () => webSeller('fetch')],
  ['next', () => webSeller('next')],
]

/**
 * POSTs `head` and leaves the request open (no end): the answer can only come from a seller that
 * stopped reading at the cap. Resolves with the status, then destroys the request.
 */
export function postWithoutEnd(url: string, head: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      req.destroy()
    })
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)))
    req.write(head)
  })
}
