import { createServer } from 'node:http'
import express, { type RequestHandler } from 'express'
import { tollgate } from '../../adapters/express.js'
import { listenOnLoopback } from '../support/http.js'
import { paidBody, tick, type AdapterHarness, type RouteSpec } from './harness.js'

function handlerFor(route: RouteSpec): RequestHandler {
  return async (req, res) => {
    if (route.before && req.payment) await route.before(req.payment)
    const behavior = route.behavior
    switch (behavior.kind) {
      case 'json':
        res.set('x-handler', 'yes').json(paidBody(req.payment))
        return
      case 'status':
        res.status(behavior.status).json({ error: 'HANDLER ERROR' })
        return
      case 'throw':
        throw new Error('boom')
      case 'stream':
        res.set('x-handler', 'yes').type('text/plain')
        for (const chunk of behavior.chunks) {
          res.write(chunk)
          await tick()
        }
        res.end()
    }
  }
}

export const expressHarness: AdapterHarness = {
  name: 'express',
  async start(config, routes) {
    const gate = tollgate(config)
    const app = express()
    if (config.prepaid) app.use(gate.prepaidRoutes())
    for (const route of routes) {
      const paywall = gate.paywall(route.paywall)
      app.options(route.path, paywall)
      app.get(route.path, paywall, handlerFor(route))
    }
    const server = await listenOnLoopback(createServer(app))
    return { fetch, urlOf: (path) => `${server.url}${path}`, close: server.close }
  },
}
