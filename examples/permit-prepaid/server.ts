/**
 * A seller pricing in a token without EIP-3009 (a USDT/DAI-style ERC-20 with EIP-2612), the
 * x402_mock flow: a buyer pays once by permit (Permit2; a buyer with tokens and no ETH signs an
 * EIP-2612 permit and the seller's settler approves Permit2 for it in the same transaction) and
 * gets an access token (the prepaid credential) for many calls. Also pay-per-call on the same token,
 * and a metered route (x402 `upto`) charging what the work cost, up to a maximum.
 *
 *   PAY_TO=0x… SETTLER_PRIVATE_KEY=0x… RPC_URL=https://sepolia.base.org TOKEN_ADDRESS=0x… TOKEN_NAME='Tether USD' \
 *   TOKEN_VERSION=1 PREPAID_SECRET=$(openssl rand -hex 32) npx tsx examples/permit-prepaid/server.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Address, Hex } from 'viem'
// A real app imports these from 'tollgate/express', 'tollgate' and 'tollgate/prepaid'.
import { localSettler, tollgate } from '../../adapters/express.js'
import { memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'

export interface PermitPrepaidServer {
  url: string
  close(): Promise<void>
}

/** Reads the environment (every missing variable reported at once), then serves on HOST:PORT. */
export async function startPermitPrepaidServer(env: Record<string, string | undefined> = process.env): Promise<PermitPrepaidServer> {
  const required = ['PAY_TO', 'SETTLER_PRIVATE_KEY', 'RPC_URL', 'TOKEN_ADDRESS', 'TOKEN_NAME', 'TOKEN_VERSION', 'PREPAID_SECRET'] as const
  const missing = required.filter((name) => !env[name])
  if (missing.length > 0) throw new Error(`missing environment variables: ${missing.join(', ')}`)
  const network = env.NETWORK ?? 'base-sepolia'
  // The asset table entry: `transfer: 'eip2612'` says the token has EIP-2612 and no EIP-3009, so it is
  // paid through Permit2, and the 402 offers the gasless approval (eip2612GasSponsoring).
  const usdt = { address: env.TOKEN_ADDRESS as Address, name: env.TOKEN_NAME!, version: env.TOKEN_VERSION!, decimals: Number(env.TOKEN_DECIMALS ?? '6'), transfer: 'eip2612' as const }

  const gate = tollgate({
    payTo: env.PAY_TO as Address,
    settler: localSettler({ privateKey: env.SETTLER_PRIVATE_KEY as Hex, rpcUrl: env.RPC_URL! }),
    store: memoryStore(),
    prepaid: prepaid({
      secret: env.PREPAID_SECRET!,
      packages: [{ id: 'hundred', calls: 100, days: 30, price: { amount: '5.00', network, asset: usdt } }],
    }),
  })

  const app = express()
  // GET /prepaid/packages, POST /prepaid/purchase?package=hundred: pay once by permit, get the access token.
  app.use('/prepaid', gate.prepaidRoutes())
  // One call: the access token (X-Prepaid-Credential), or a Permit2 payment of 0.10 per call.
  app.get('/report', gate.paywall({ amount: '0.10', network, asset: usdt, prepaid: true }), (req, res) => {
    res.json({ report: 'quarterly numbers', paidBy: req.payment?.payer, remaining: req.payment?.prepaid?.remaining })
  })
  // Metered: the buyer signs for at most 0.50; the handler charges per word it produced.
  app.post('/complete', gate.paywall({ scheme: 'upto', max: '0.50', network, asset: usdt }), (req, res) => {
    const words = 'a completion priced by the word'.split(' ')
    req.payment?.charge?.(BigInt(words.length) * 10_000n) // 0.01 per word, in atomic units
    res.json({ text: words.join(' ') })
  })

  const server = createServer(app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(env.PORT ?? '4022'), env.HOST ?? '127.0.0.1', () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startPermitPrepaidServer().then(
    (server) => process.stdout.write(`listening on ${server.url}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    },
  )
}
