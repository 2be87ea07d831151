/**
 * A seller who takes only Solana payments, run from the built package in a project whose
 * node_modules has no viem (see without-viem.test.ts). Every entry a seller may import is loaded
 * first: any of them reaching viem fails here with ERR_MODULE_NOT_FOUND.
 *
 * Env: SOL_RPC_URL, FEE_PAYER_KEY (base58), PAY_TO, MINT, NETWORK. Prints `{"url": …}` once it
 * listens on 127.0.0.1, then `{"viem": "absent"}` when viem indeed cannot be imported.
 */
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import express from 'express'
import { tollgate } from 'tollgate/express'
import { solanaSettler } from 'tollgate/solana'

const entries = ['tollgate', 'tollgate/express', 'tollgate/koa', 'tollgate/fastify', 'tollgate/fetch', 'tollgate/next', 'tollgate/solana', 'tollgate/prepaid', 'tollgate/health', 'tollgate/metrics', 'tollgate/tracing', 'tollgate/buyer', 'tollgate/redis', 'tollgate/receipts']
for (const entry of entries) await import(entry)
// The CommonJS build, as a seller's require() loads it.
const require = createRequire(import.meta.url)
for (const entry of entries) require(entry)

const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`without-viem-seller: ${name} is required`)
  return value
}

const gate = tollgate({
  payTo: env('PAY_TO'),
  settler: solanaSettler({ secretKey: env('FEE_PAYER_KEY'), rpcUrl: env('SOL_RPC_URL'), confirmTimeoutMs: 5_000 }),
})
const app = express()
app.get('/data', gate.paywall({ accepts: [{ amount: '0.01', network: env('NETWORK'), asset: { address: env('MINT'), decimals: 6 } }] }), (req, res) => {
  res.json({ content: 'PAID CONTENT', payer: req.payment?.payer })
})
const server = createServer(app)
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`)
// The proof that the run above had no viem to load: importing it here must fail.
const viem = await import('viem').then(
  () => 'present',
  (error) => (error?.code === 'ERR_MODULE_NOT_FOUND' ? 'absent' : `error ${error?.code}`),
)
process.stdout.write(`${JSON.stringify({ viem })}\n`)
process.on('SIGTERM', () => server.close(() => process.exit(0)))
