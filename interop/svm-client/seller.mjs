// The official x402 seller stack for Solana: @x402/express paymentMiddleware + x402ResourceServer
// + HTTPFacilitatorClient, with @x402/svm's server scheme (its rpcUrl adds blockhash hints).
// One route, GET /data, priced in atomic units of the test mint.
//
// usage: node interop/svm-client/seller.mjs --facilitator <url> --rpc <url> --pay-to <owner> --asset <mint> --amount <atomic>
//          [--token <bearer>]
// prints one JSON line {url} once listening on a free 127.0.0.1 port.
import express from 'express'
import { HTTPFacilitatorClient } from '@x402/core/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/express'
import { ExactSvmScheme } from '@x402/svm/exact/server'
import { parseArgs, print } from './args.mjs'

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

const { options } = parseArgs(process.argv.slice(2))
for (const name of ['facilitator', 'rpc', 'pay-to', 'asset', 'amount']) {
  if (typeof options[name] !== 'string') throw new Error(`seller.mjs: --${name} is required`)
}
const auth = typeof options.token === 'string' ? { authorization: `Bearer ${options.token}` } : undefined
const facilitator = new HTTPFacilitatorClient({
  url: options.facilitator,
  ...(auth ? { createAuthHeaders: async () => ({ verify: auth, settle: auth, supported: auth }) } : {}),
})
const resourceServer = new x402ResourceServer(facilitator).register(DEVNET, new ExactSvmScheme({ rpcUrl: options.rpc }))
const app = express()
app.use(
  paymentMiddleware(
    {
      'GET /data': {
        accepts: { scheme: 'exact', network: DEVNET, payTo: options['pay-to'], price: { amount: options.amount, asset: options.asset } },
        description: 'paid data',
      },
    },
    resourceServer,
  ),
)
app.get('/data', (_req, res) => res.json({ content: 'PAID CONTENT' }))
const server = app.listen(0, '127.0.0.1', () => print({ url: `http://127.0.0.1:${server.address().port}` }))
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
