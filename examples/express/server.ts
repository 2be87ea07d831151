/**
 * A seller that charges 0.01 USDC for GET /weather with x402 (both protocol generations), settling
 * each payment itself from SETTLER_PRIVATE_KEY's account, run as in production: Prometheus metrics
 * at /metrics, a load balancer's /health, per-payer rate limits, and (with DATABASE_URL) a receipts
 * ledger in Postgres, (with RISK_ENGINE_URL) a risk engine asked before any chain read, and
 * OpenTelemetry spans once an SDK is registered. /health, /metrics and /.well-known/x402 are free.
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org [DATABASE_URL=postgres://…] [RISK_ENGINE_URL=https://…] npx tsx examples/express/server.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
// A real app imports these from 'tollgate/express', 'tollgate', 'tollgate/metrics', 'tollgate/health' and 'tollgate/receipts'.
import { localSettler, serveAnswer, tollgate } from '../../adapters/express.js'
import { combineHooks, memoryStore, rateLimits, riskEngine } from '../../src/index.js'
import { tollgateHealth } from '../../src/health/index.js'
import { tollgateMetrics } from '../../src/metrics/index.js'
import { postgresReceipts } from '../../src/receipts/index.js'
import { otelTracing } from '../../src/tracing/index.js'
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

  const settler = localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl })
  // The in-memory store, right for one process (several need a shared one: tollgate/redis); the rate limits count in it too.
  const store = memoryStore()
  const metrics = tollgateMetrics({ settler, core: () => gate.core })
  const health = tollgateHealth({ store, settler })
  const limits = rateLimits({ store, perPayer: { requests: 60, windowMs: 60_000 } })
  const risk = config.riskEngineUrl ? riskEngine({ url: config.riskEngineUrl }) : undefined
  const receipts = config.databaseUrl ? postgresReceipts({ connectionString: config.databaseUrl, ...(risk ? { evidence: risk.evidenceFor } : {}) }) : undefined
  await receipts?.migrate()

  const gate = tollgate({
    payTo: config.payTo,
    settler,
    store,
    // Charge in another EIP-3009 token than the network's USDC when TOKEN_ADDRESS is set.
    ...(config.token ? { networks: [{ name: network, asset: config.token }] } : {}),
    // Limits first: a flood is refused before it costs risk-engine calls.
    hooks: combineHooks(limits.hooks, risk?.hooks, metrics.hooks, health.hooks, receipts?.hooks),
    // Spans for paid requests: a no-op until an OpenTelemetry SDK is registered.
    tracing: otelTracing(),
  })

  const app = express()
  app.use(gate.discoveryRoutes()) // GET /.well-known/x402: what this server sells, free
  app.get('/health', serveAnswer(health.answer)) // 200, or 503 when payments would be refused
  app.get('/metrics', serveAnswer(metrics.scrape))
  // gate.paid: the paywall and its handler in one, with req.payment typed as present.
  app.get(
    '/weather',
    gate.paid({ amount: '0.01', network, description: "Today's weather", name: 'weather' }, (req, res) => {
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
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
      // Writes what the receipts outbox still holds, then ends its pool.
      await receipts?.close(10_000)
    },
  }
}

runAsProgram(import.meta.url, 'Express', startExampleServer)
