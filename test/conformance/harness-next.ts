import { tollgate, type PaidContext } from '../../adapters/next.js'
import { paidBody, tick, type AdapterHarness, type RouteSpec } from './harness.js'

type RouteModule = { GET: (request: Request, context: NextContext) => Promise<Response>; OPTIONS: RouteModule['GET']; POST?: RouteModule['GET'] }
type NextContext = { params: Promise<Record<string, string>> }

/** A route handler in Next's idiom: Web Response in, Web Response out. */
function handlerFor(route: RouteSpec) {
  return async (_request: Request, { payment }: PaidContext<NextContext>): Promise<Response> => {
    if (route.before) await route.before(payment)
    const behavior = route.behavior
    switch (behavior.kind) {
      case 'json':
        return Response.json(paidBody(payment), { headers: { 'x-handler': 'yes' } })
      case 'status':
        return Response.json({ error: 'HANDLER ERROR' }, { status: behavior.status })
      case 'throw':
        throw new Error('boom')
      case 'stream':
        return new Response(chunked(behavior.chunks), { headers: { 'x-handler': 'yes', 'content-type': 'text/plain' } })
    }
  }
}

/** Produces each chunk only when asked, a macrotask apart: a body read before settlement would show. */
export function chunked(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let next = 0
  return new ReadableStream({
    async pull(controller) {
      if (next > 0) await tick()
      if (next === chunks.length) controller.close()
      else controller.enqueue(encoder.encode(chunks[next++]))
    },
  })
}

/**
 * Next's app router in miniature, in-process: each path is a route module exporting GET and OPTIONS
 * (as `export const OPTIONS = GET`), called with a real Request and `{ params }`; a thrown error
 * becomes the empty 500 Next answers with.
 */
export const nextHarness: AdapterHarness = {
  name: 'next',
  async start(config, routes) {
    const { withPayment, prepaidRoutes } = tollgate(config)
    const modules = new Map<string, RouteModule>()
    // app/prepaid/[action]/route.ts: one handler for the packages list and the purchase endpoint.
    if (config.prepaid) {
      const prepaid = prepaidRoutes()
      for (const path of ['/prepaid/packages', '/prepaid/purchase']) modules.set(path, { GET: prepaid, POST: prepaid, OPTIONS: prepaid })
    }
    for (const route of routes) {
      const GET = withPayment(handlerFor(route), route.paywall)
      modules.set(route.path, { GET, OPTIONS: GET })
    }
    const dispatch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init)
      const module = modules.get(new URL(request.url).pathname)
      if (!module) return new Response(null, { status: 404 })
      const handler = request.method === 'OPTIONS' ? module.OPTIONS : request.method === 'GET' ? module.GET : request.method === 'POST' ? module.POST : undefined
      if (!handler) return new Response(null, { status: 405 })
      try {
        return await handler(request, { params: Promise.resolve({}) })
      } catch {
        return new Response(null, { status: 500 })
      }
    }
    return { fetch: dispatch as typeof fetch, urlOf: (path) => `http://127.0.0.1${path}`, close: async () => undefined }
  },
}
