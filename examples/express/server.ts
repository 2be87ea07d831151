/**
 * A seller that charges 0.01 USDC for GET /weather with x402 (both protocol generations), settling
 * each payment itself from SETTLER_PRIVATE_KEY's account. GET /health is free.
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org npx tsx examples/express/server.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
// A real app imports these from 'tollgate/express'.
import { localSettler, tollgate } from '../../adapters/express.js'
import { readExampleConfig, type ExampleEnv } from './config.js'
import { runAsProgram } from './run-cli.js'

export { ExampleConfigError } from './config.js'

export interface ExampleServer {
  url: string
  close(): Promise<void>
}

/** Validates `env` (throws ExampleConfigError listing every problem), then serves on HOST:PORT. */
export async function startExampleServer(env: ExampleEnv = process.env): Promise<ExampleServer> {
  const config = readExampleConfig(env)
  const { network } = config

  const gate = tollgate({
    payTo: config.payTo,
    settler: localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl }),
    // Charge in another EIP-3009 token than the network's USDC when TOKEN_ADDRESS is set.
    ...(config.token ? { networks: [{ name: network, asset: config.token }] } : {}),
    // No `store`: the in-memory replay store, right for one process (several need a shared one, e.g. Redis).
  })

  const app = express()
  app.use(gate.discoveryRoutes()) // GET /.well-known/x402: what this server sells, free
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  // gate.paid: the paywall and its handler in one, with req.payment typed as present.
  app.get(
    '/weather',
    gate.paid({ amount: '0.01', network, description: "Today's weather" }, (req, res) => {
      res.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 22, paidBy: req.payment.payer })
    }),
  )

  const server = createServer(app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

runAsProgram(import.meta.url, 'Express', startExampleServer)
