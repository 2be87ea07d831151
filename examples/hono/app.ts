/**
 * A Hono seller that charges 0.01 USDC for GET /weather with x402 (both protocol generations),
 * settling each payment from SETTLER_PRIVATE_KEY's account. GET /health is free. The app is a
 * plain fetch handler: `app.fetch` runs as it is on Bun, Deno and Cloudflare Workers.
 */
import { Hono } from 'hono'
// A real app imports these from 'tollgate/fetch'.
import { localSettler, tollgate } from '../../adapters/fetch.js'
import { readExampleConfig, type ExampleEnv } from '../express/config.js'

/** Validates `env` first (throws ExampleConfigError listing every problem), then builds the app. */
export function createSellerApp(env: ExampleEnv): Hono {
  const config = readExampleConfig(env)
  const gate = tollgate({
    payTo: config.payTo,
    settler: localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl }),
    ...(config.token ? { networks: [{ name: config.network, asset: config.token }] } : {}),
    // No `store`: the in-memory replay store, right for one process (several need a shared one, e.g. Redis).
  })
  const paid = gate.paywall({ amount: '0.01', network: config.network, description: "Today's weather" })

  const discovery = gate.discoveryRoutes()

  const app = new Hono()
  app.get('/.well-known/x402', (c) => discovery(c.req.raw)) // what this server sells, free
  app.get('/health', (c) => c.json({ ok: true }))
  // OPTIONS too: a browser's CORS preflight before the paid retry is answered by the paywall, free.
  app.on(['GET', 'OPTIONS'], '/weather', (c) =>
    paid(c.req.raw, (_request, payment) => c.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 22, paidBy: payment.payer })),
  )
  return app
}
