/**
 * One seller in each Node framework (Express, Koa, Fastify), its routes described once, for the
 * tests of the shared Node bridge: the same handler runs through each adapter in that framework's idiom.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline, type Readable } from 'node:stream'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import { tollgate as expressTollgate } from '../../adapters/express.js'
import { tollgate as fastifyTollgate } from '../../adapters/fastify.js'
import { tollgate as koaTollgate } from '../../adapters/koa.js'
import { localSettler, memoryStore, type PaywallOptions, type Tollgate, type TollgateConfig } from '../../src/index.js'
import type { TestChain } from '../support/chain.js'

/** A seller of the test chain's token with a fresh memory store; `rpcUrl` lets a test put a proxy in front of anvil. */
export function bridgeConfig(chain: TestChain, extra: Partial<TollgateConfig> = {}, rpcUrl = chain.rpcUrl): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    ...extra,
  }
}

export const NODE_FRAMEWORKS = ['express', 'koa', 'fastify'] as const
export type NodeFramework = (typeof NODE_FRAMEWORKS)[number]

export interface BridgeRoute {
  path: string
  paywall: PaywallOptions
  /**
   * Answers on the raw Node response, bypassing the framework: Express's `res` itself, Koa with
   * `ctx.respond = false`, Fastify after `reply.hijack()`.
   */
  raw?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
  /** Answers with a stream body in the framework's own idiom: Express pipes it, Koa sets ctx.body, Fastify sends it. */
  body?: () => Readable
}

export interface BridgeSeller {
  url: string
  /** The listening server (its 'connection' events show the seller's side of a hang-up). */
  server: Server
  core: Tollgate
  close(): Promise<void>
}

/** `prepare` sees the tollgate core before any route is built (a test may stand a gate in for the core's). */
export type Prepare = (core: Tollgate) => void

export async function startBridgeSeller(framework: NodeFramework, config: TollgateConfig, routes: BridgeRoute[], prepare: Prepare = () => undefined): Promise<BridgeSeller> {
  if (framework === 'fastify') return startFastify(config, routes, prepare)
  const { server, core } = framework === 'express' ? expressServer(config, routes, prepare) : koaServer(config, routes, prepare)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, core, close: () => closeServer(server) }
}

function expressServer(config: TollgateConfig, routes: BridgeRoute[], prepare: Prepare) {
  const gate = expressTollgate(config)
  prepare(gate.core)
  const app = express()
  if (config.prepaid) app.use(gate.prepaidRoutes())
  for (const route of routes) {
    app.get(route.path, gate.paywall(route.paywall), async (req, res) => {
      if (route.raw) return route.raw(req, res)
      pipeline(route.body!(), res, () => undefined)
    })
  }
  return { server: createServer(app), core: gate.core }
}

function koaServer(config: TollgateConfig, routes: BridgeRoute[], prepare: Prepare) {
  const gate = koaTollgate(config)
  prepare(gate.core)
  const app = new Koa()
  app.silent = true
  if (config.prepaid) app.use(gate.prepaidRoutes())
  const router = new Router()
  for (const route of routes) {
    router.get(route.path, gate.paywall(route.paywall), async (ctx) => {
      if (route.raw) {
        ctx.respond = false
        return route.raw(ctx.req, ctx.res)
      }
      ctx.type = 'application/octet-stream'
      ctx.body = route.body!()
    })
  }
  app.use(router.routes())
  return { server: createServer(app.callback()), core: gate.core }
}

async function startFastify(config: TollgateConfig, routes: BridgeRoute[], prepare: Prepare): Promise<BridgeSeller> {
  const gate = fastifyTollgate(config)
  prepare(gate.core)
  const app = Fastify()
  await app.register(gate.plugin)
  if (config.prepaid) await app.register(gate.prepaidRoutes)
  for (const route of routes) {
    app.get(route.path, { preHandler: gate.paywall(route.paywall) }, async (request, reply) => {
      if (route.raw) {
        reply.hijack()
        return route.raw(request.raw, reply.raw)
      }
      return reply.type('application/octet-stream').send(route.body!())
    })
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, server: app.server, core: gate.core, close: () => app.close() }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections()
    server.close((error) => (error ? reject(error) : resolve()))
  })
}
