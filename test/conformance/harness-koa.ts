import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import Router, { type RouterMiddleware } from '@koa/router'
import Koa from 'koa'
import { tollgate } from '../../adapters/koa.js'
import { listenOnLoopback } from '../support/http.js'
import { paidBody, tick, type AdapterHarness, type RouteSpec } from './harness.js'

function handlerFor(route: RouteSpec): RouterMiddleware {
  return async (ctx) => {
    const payment = ctx.state.payment
    if (route.before && payment) await route.before(payment)
    const behavior = route.behavior
    switch (behavior.kind) {
      case 'json':
        ctx.set('x-handler', 'yes')
        ctx.body = paidBody(payment)
        return
      case 'status':
        ctx.status = behavior.status
        ctx.body = { error: 'HANDLER ERROR' }
        return
      case 'throw':
        throw new Error('boom')
      case 'stream': {
        const body = new Readable({ read() {} })
        ctx.set('x-handler', 'yes')
        ctx.type = 'text/plain'
        ctx.body = body
        // Fed after the handler returned, as a real producer would: Koa pipes it only once settled.
        void (async () => {
          for (const chunk of behavior.chunks) {
            body.push(chunk)
            await tick()
          }
          body.push(null)
        })()
      }
    }
  }
}

export const koaHarness: AdapterHarness = {
  name: 'koa',
  async start(config, routes) {
    const gate = tollgate(config)
    const app = new Koa()
    app.silent = true // the thrown-error case would otherwise print its stack on every run
    if (config.prepaid) app.use(gate.prepaidRoutes())
    const router = new Router()
    for (const route of routes) {
      const paywall = gate.paywall(route.paywall)
      router.options(route.path, paywall)
      router.get(route.path, paywall, handlerFor(route))
    }
    app.use(router.routes())
    const server = await listenOnLoopback(createServer(app.callback()))
    return { fetch, urlOf: (path) => `${server.url}${path}`, close: server.close }
  },
}
