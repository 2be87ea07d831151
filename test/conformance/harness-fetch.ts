import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { stream } from 'hono/streaming'
import { tollgate, type FetchPaywall, type VerifiedPayment } from '../../adapters/fetch.js'
import { paidBody, type AdapterHarness, type RouteSpec } from './harness.js'

type Env = { Variables: { payment: VerifiedPayment } }

/** A Hono handler in Hono's idiom (c.json, the streaming helper), given the payment. */
async function answer(route: RouteSpec, c: Context<Env>, payment: VerifiedPayment): Promise<Response> {
  if (route.before) await route.before(payment)
  const behavior = route.behavior
  switch (behavior.kind) {
    case 'json':
      return c.json(paidBody(payment), 200, { 'x-handler': 'yes' })
    case 'status':
      return c.json({ error: 'HANDLER ERROR' }, behavior.status as 500)
    case 'throw':
      throw new Error('boom')
    case 'stream':
      c.header('x-handler', 'yes')
      c.header('content-type', 'text/plain')
      return stream(c, async (out) => {
        for (const chunk of behavior.chunks) {
          await out.write(chunk)
          await out.sleep(5)
        }
      })
  }
}

/**
 * The fetch paywall as Hono middleware. Hono merges the headers of the response it holds into any
 * Response assigned to `c.res`, so it is cleared first: a refused settlement must not carry the
 * handler's headers.
 */
function asMiddleware(paid: FetchPaywall): MiddlewareHandler<Env> {
  return async (c, next) => {
    const response = await paid(c.req.raw, async (_request, payment) => {
      c.set('payment', payment)
      await next()
      return c.res
    })
    c.res = undefined
    c.res = response
  }
}

async function start(routes: RouteSpec[], mount: (app: Hono<Env>, route: RouteSpec, paid: FetchPaywall) => void, paywallOf: (route: RouteSpec) => FetchPaywall, prepaid?: (request: Request) => Promise<Response>) {
  const app = new Hono<Env>()
  if (prepaid) app.all('/prepaid/*', (c) => prepaid(c.req.raw))
  for (const route of routes) mount(app, route, paywallOf(route))
  // Hono's default answer to a thrown handler error (a 500), without its console.error in test output.
  app.onError((_error, c) => c.text('Internal Server Error', 500))
  const dispatch = (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init))
  return { fetch: dispatch as typeof fetch, urlOf: (path: string) => `http://127.0.0.1${path}`, close: async () => undefined }
}

/** `app.use(path, paywall)` before `app.get(path, handler)`: the handler reads the payment from `c.var`. */
export const honoMiddlewareHarness: AdapterHarness = {
  name: 'fetch (Hono middleware)',
  async start(config, routes) {
    const gate = tollgate(config)
    return start(routes, (app, route, paid) => {
      app.on(['GET', 'OPTIONS'], route.path, asMiddleware(paid))
      app.get(route.path, (c) => answer(route, c, c.var.payment))
    }, (route) => gate.paywall(route.paywall), config.prepaid ? gate.prepaidRoutes() : undefined)
  },
}

/** The paywall wrapping one handler: `app.get(path, (c) => paid(c.req.raw, (req, payment) => …))`. */
export const honoHandlerHarness: AdapterHarness = {
  name: 'fetch (Hono handler)',
  async start(config, routes) {
    const gate = tollgate(config)
    return start(routes, (app, route, paid) => {
      app.on(['GET', 'OPTIONS'], route.path, (c) => paid(c.req.raw, (_request, payment) => answer(route, c, payment)))
    }, (route) => gate.paywall(route.paywall), config.prepaid ? gate.prepaidRoutes() : undefined)
  },
}
