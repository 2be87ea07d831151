/**
 * Runs the Hono example seller on Node:
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org npx tsx examples/hono/server.ts
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readExampleConfig } from '../express/config.js'
import { createSellerApp } from './app.js'
import { serveOnNode } from './node-serve.js'

if (realpathSync(process.argv[1] ?? '.') === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    const app = createSellerApp(process.env)
    const { host, port } = readExampleConfig(process.env)
    const server = await serveOnNode(app.fetch, host, port)
    console.log(`tollgate Hono seller listening on ${server.url} (GET /weather costs 0.01, GET /health is free)`)
    const stop = (): void => void server.close().finally(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  }
}
