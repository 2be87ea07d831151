/**
 * The bench's servers without sockets: each app's request listener driven in-process by
 * light-my-request (Fastify's inject engine, used here for every framework), so the figure is the
 * framework's and tollgate's JavaScript per request, without the loopback writes whose cost swings
 * with a shared machine's load. Roots alternate in short rounds; medians are reported.
 *
 *   node --expose-gc --import tsx bench/profile/inproc.ts [root ...]   (default: this checkout; e.g. . /tmp/tollgate-before)
 *
 * light-my-request 6.8 keeps about 10 KB per injected request (a bare `res.end()` listener too), so the
 * heap grows through a run: each measurement is a fixed number of requests (PER, default 800) and
 * starts from a full collection (with --expose-gc), and the pairs compared run next to each other.
 *
 * The apps mirror bench/servers/serve.ts (same routes, prices and bodies).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import Router from '@koa/router'
import inject from 'light-my-request'

type Listener = (req: IncomingMessage, res: ServerResponse) => void
interface Scenario {
  listener: Listener
  headers?: Record<string, string>
  status: number
}

const here = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2).map((r) => resolve(r)) : [here]
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const SECRET = 'bench-prepaid-secret-of-at-least-32-bytes'
const body = { data: 'the goods' }
const route = { amount: '0.10', network: 'base-sepolia' } as const

async function scenariosOf(root: string): Promise<Record<string, Scenario>> {
  const core = await import(`${root}/src/index.js`)
  const { prepaid } = await import(`${root}/src/prepaid/index.js`)
  const { tollgateMetrics } = await import(`${root}/src/metrics/index.js`)
  const { KeyRing } = await import(`${root}/src/prepaid/credential-keys.js`)
  const ex = await import(`${root}/adapters/express.js`)
  const fa = await import(`${root}/adapters/fastify.js`)
  const ko = await import(`${root}/adapters/koa.js`)
  const config = (extra: object = {}) => ({
    payTo: PAY_TO,
    settler: core.localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }),
    store: core.memoryStore(),
    singleInstance: true,
    ...extra,
  })
  const decision = await core.createTollgate(config()).route(route).evaluate({ method: 'GET', url: 'http://localhost:80/data', headers: { get: () => null } })
  const static402 = { headers: decision.headers as Record<string, string>, text: JSON.stringify(decision.body) }

  const expressWith = (gate: { paywall(o: object): express.RequestHandler } | undefined, options: object = route): Listener => {
    const app = express()
    if (gate) app.get('/data', gate.paywall(options), (_req, res) => void res.json(body))
    else app.get('/data', (_req, res) => void res.json(body))
    return app as unknown as Listener
  }
  const fastifyApp = async (paid: boolean): Promise<Listener> => {
    const app = Fastify()
    if (paid) {
      const gate = fa.tollgate(config())
      await app.register(gate.plugin)
      app.get('/data', { preHandler: gate.paywall(route) }, async () => body)
    } else app.get('/data', async (_req, reply) => reply.code(402).headers(static402.headers).send(static402.text))
    await app.ready()
    return (req, res) => app.routing(req, res)
  }
  const koaApp = (kind: 'tollgate' | 'static' | 'static-router'): Listener => {
    const app = new Koa()
    const send402 = (ctx: Koa.Context) => {
      ctx.status = 402
      ctx.set(static402.headers)
      ctx.body = static402.text
    }
    if (kind === 'static') app.use(send402)
    else {
      const router = new Router()
      if (kind === 'tollgate') router.get('/data', ko.tollgate(config()).paywall(route), (ctx: Koa.Context) => void (ctx.body = body))
      else router.get('/data', send402)
      app.use(router.routes())
    }
    return app.callback() as Listener
  }
  const now = Math.floor(Date.now() / 1000)
  const credential = new KeyRing([{ id: 'default', secret: SECRET }]).sign({
    jti: crypto.randomUUID(), sub: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', aud: `tollgate:${PAY_TO.toLowerCase()}`, pkg: 'bench', calls: 1_000_000_000, iat: now, exp: now + 86_400,
  })
  const prices: Record<string, string> = { gold: '0.02', silver: '0.05' }
  const staticExpress = express()
  staticExpress.get('/data', (_req, res) => void res.status(402).set(static402.headers).send(static402.text))
  return {
    'fastify 402': { listener: await fastifyApp(true), status: 402 },
    'fastify same bytes': { listener: await fastifyApp(false), status: 402 },
    'koa 402': { listener: koaApp('tollgate'), status: 402 },
    'koa same bytes': { listener: koaApp('static'), status: 402 },
    'koa same bytes behind @koa/router': { listener: koaApp('static-router'), status: 402 },
    'express 402': { listener: expressWith(ex.tollgate(config())), status: 402 },
    'express same bytes': { listener: staticExpress as unknown as Listener, status: 402 },
    'express 402, fixed price, x-api-key': { listener: expressWith(ex.tollgate(config())), headers: { 'x-api-key': 'gold' }, status: 402 },
    'express 402, price per API key': {
      listener: expressWith(ex.tollgate(config()), { ...route, amount: ({ header }: { header(n: string): string | null }) => prices[header('x-api-key') ?? ''] ?? '0.10' }),
      headers: { 'x-api-key': 'gold' },
      status: 402,
    },
    'express 402 with metrics hooks': { listener: expressWith(ex.tollgate(config({ hooks: tollgateMetrics().hooks }))), status: 402 },
    'express bare 200': { listener: expressWith(undefined), status: 200 },
    'express prepaid 200': {
      listener: expressWith(ex.tollgate(config({ prepaid: prepaid({ secret: SECRET, packages: [{ id: 'bench', calls: 1_000_000_000, days: 1, price: route }] }) })), { ...route, prepaid: true }),
      headers: { 'x-prepaid-credential': credential },
      status: 200,
    },
  }
}

/**
 * CPU µs per request (this process's user + system time, so time the machine gives to other
 * processes does not count), `count` requests, 16 in flight.
 */
async function usPerRequest(s: Scenario, count: number): Promise<number> {
  const one = async () => {
    const res = await inject(s.listener, { method: 'GET', url: '/data', headers: s.headers ?? {} })
    if (res.statusCode !== s.status) throw new Error(`expected ${s.status}, got ${res.statusCode}: ${res.body.slice(0, 200)}`)
  }
  ;(globalThis as { gc?: () => void }).gc?.()
  const before = process.cpuUsage()
  for (let n = 0; n < count; n += 16) await Promise.all(Array.from({ length: 16 }, one))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / count
}

const all = await Promise.all(roots.map(scenariosOf))
// ONLY=koa: the scenarios whose name contains it (e.g. to run one under node --cpu-prof).
const names = Object.keys(all[0]!).filter((name) => name.includes(process.env.ONLY ?? ''))
const runs = roots.map(() => new Map<string, number[]>())
const PER = Number(process.env.PER ?? 800)
for (const scenarios of all) for (const name of names) await usPerRequest(scenarios[name]!, 320)
for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
  for (const name of names) {
    for (const [i, scenarios] of all.entries()) runs[i]!.set(name, [...(runs[i]!.get(name) ?? []), await usPerRequest(scenarios[name]!, PER)])
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const m = (i: number, name: string) => median(runs[i]!.get(name)!)
for (const [i, root] of roots.entries()) {
  process.stdout.write(`\n${root}\n`)
  for (const name of names) process.stdout.write(`  ${m(i, name).toFixed(1).padStart(7)} µs/req  ${name}\n`)
  const ratio = (a: string, b: string) => (runs[i]!.has(a) && runs[i]!.has(b) ? `${(m(i, b) / m(i, a)).toFixed(2)} × (${a} / ${b}, by CPU per request)` : '')
  process.stdout.write(`  ${ratio('fastify 402', 'fastify same bytes')}\n`)
  process.stdout.write(`  ${ratio('koa 402', 'koa same bytes')}\n`)
  process.stdout.write(`  ${ratio('koa 402', 'koa same bytes behind @koa/router')}\n`)
  process.stdout.write(`  ${ratio('express 402', 'express same bytes')}\n`)
  process.stdout.write(`  ${ratio('express 402, price per API key', 'express 402, fixed price, x-api-key')}\n`)
  process.stdout.write(`  ${ratio('express 402 with metrics hooks', 'express 402')}\n`)
  process.stdout.write(`  ${ratio('express prepaid 200', 'express bare 200')}\n`)
}
