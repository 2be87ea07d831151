/**
 * A Fastify seller that charges 0.01 USDC for GET /weather with x402 (both protocol generations),
 * settling each payment itself from SETTLER_PRIVATE_KEY's account. GET /health is free.
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org npx tsx examples/fastify/server.ts
 */
import Fastify from 'fastify'
// A real app imports these from 'tollgate/fastify'.
import { localSettler, tollgate } from '../../adapters/fastify.js'
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

  const app = Fastify()
  await app.register(gate.plugin) // the hooks that settle every paywalled route of this app
  await app.register(gate.discoveryRoutes) // GET /.well-known/x402: what this server sells, free
  app.get('/health', async () => ({ ok: true }))
  // gate.paid: the paywall as preHandler and the handler, with request.payment typed as present.
  app.get(
    '/weather',
    gate.paid({ amount: '0.01', network: config.network, description: "Today's weather" }, async (request) => ({
      city: 'Lisbon',
      forecast: 'sunny',
      temperatureC: 22,
      paidBy: request.payment.payer,
    })),
  )

  const url = await app.listen({ port: config.port, host: config.host })
  return { url, close: () => app.close() }
}

runAsProgram(import.meta.url, 'Fastify', startExampleServer)
