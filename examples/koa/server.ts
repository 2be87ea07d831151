/**
 * A Koa seller that charges 0.01 USDC for GET /weather with x402 (both protocol generations), settling
 * each payment itself from SETTLER_PRIVATE_KEY's account. GET /health is free.
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org npx tsx examples/koa/server.ts
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import Koa from 'koa'
// A real app imports these from 'tollgate/koa'.
import { localSettler, tollgate } from '../../adapters/koa.js'
// The same environment variables as the Express example, read and checked the same way.
import { readExampleConfig, type ExampleEnv } from '../express/config.js'
import { runAsProgram } from '../express/run-cli.js'

export async function startExampleServer(env: ExampleEnv = process.env): Promise<{ url: string; close(): Promise<void> }> {
  const config = readExampleConfig(env)
  const gate = tollgate({
    payTo: config.payTo,
    settler: localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl }),
    ...(config.token ? { networks: [{ name: config.network, asset: config.token }] } : {}),
  })

  const router = new Router()
  router.get('/health', (ctx) => {
    ctx.body = { ok: true }
  })
  // gate.paid: the paywall and its handler in one, with ctx.state.payment typed as present.
  router.get(
    '/weather',
    gate.paid({ amount: '0.01', network: config.network, description: "Today's weather" }, (ctx) => {
      ctx.body = { city: 'Lisbon', forecast: 'sunny', temperatureC: 22, paidBy: ctx.state.payment.payer }
    }),
  )

  // gate.discoveryRoutes(): GET /.well-known/x402, what this server sells, free.
  const server = new Koa().use(gate.discoveryRoutes()).use(router.routes()).listen(config.port, config.host)
  await once(server, 'listening')
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}

runAsProgram(import.meta.url, 'Koa', startExampleServer)
