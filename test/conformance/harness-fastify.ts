import { Readable } from 'node:stream'
import Fastify, { type RouteHandlerMethod } from 'fastify'
import { tollgate } from '../../adapters/fastify.js'
import { paidBody, tick, type AdapterHarness, type RouteSpec } from './harness.js'

function handlerFor(route: RouteSpec): RouteHandlerMethod {
  return async (request, reply) => {
    const payment = request.payment
    if (route.before && payment) await route.before(payment)
    const behavior = route.behavior
    switch (behavior.kind) {
      case 'json':
        return reply.header('x-handler', 'yes').send(paidBody(payment))
      case 'status':
        return reply.code(behavior.status).send({ error: 'HANDLER ERROR' })
      case 'throw':
        throw new Error('boom')
      case 'stream': {
        const body = new Readable({ read() {} })
        // Fed after the handler returned, as a real producer would: Fastify pipes it only once settled.
        void (async () => {
          for (const chunk of behavior.chunks) {
            body.push(chunk)
            await tick()
          }
          body.push(null)
        })()
        return reply.header('x-handler', 'yes').type('text/plain').send(body)
      }
    }
  }
}

export const fastifyHarness: AdapterHarness = {
  name: 'fastify',
  async start(config, routes) {
    const gate = tollgate(config)
    const app = Fastify()
    await app.register(gate.plugin)
    if (config.prepaid) await app.register(gate.prepaidRoutes)
    for (const route of routes) {
      app.route({ method: ['GET', 'OPTIONS'], url: route.path, preHandler: gate.paywall(route.paywall), handler: handlerFor(route) })
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { fetch, urlOf: (path) => `${url}${path}`, close: () => app.close() }
  },
}
