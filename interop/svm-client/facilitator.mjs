// The official x402 facilitator for Solana (@x402/core x402Facilitator + @x402/svm ExactSvmScheme,
// v2 and v1), served as the x402 facilitator HTTP API: GET /supported, POST /verify, POST /settle.
// Its fee payer signs and its RPC is the stand-in.
//
// usage: node interop/svm-client/facilitator.mjs --rpc <url> --key <feePayerSecretKeyBase58>
// prints one JSON line {url, feePayer} once listening on a free 127.0.0.1 port; GET /calls counts requests.
import { createServer } from 'node:http'
import { createKeyPairSignerFromBytes, getBase58Encoder } from '@solana/kit'
import { x402Facilitator } from '@x402/core/facilitator'
import { toFacilitatorSvmSigner } from '@x402/svm'
import { registerExactSvmScheme } from '@x402/svm/exact/facilitator'
import { parseArgs, print } from './args.mjs'

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

const { options } = parseArgs(process.argv.slice(2))
if (typeof options.rpc !== 'string' || typeof options.key !== 'string') throw new Error('usage: facilitator.mjs --rpc <url> --key <secretKeyBase58>')
const keypair = await createKeyPairSignerFromBytes(getBase58Encoder().encode(options.key))
const facilitator = new x402Facilitator()
registerExactSvmScheme(facilitator, { signer: toFacilitatorSvmSigner(keypair, { defaultRpcUrl: options.rpc }), networks: DEVNET })

const calls = {}
const server = createServer(async (req, res) => {
  const path = (req.url ?? '').split('?')[0].replace(/^\/+/, '')
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (path === 'calls') return send(200, calls)
  calls[path] = (calls[path] ?? 0) + 1
  try {
    if (req.method === 'GET' && path === 'supported') return send(200, facilitator.getSupported())
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    if (req.method === 'POST' && path === 'verify') return send(200, await facilitator.verify(body.paymentPayload, body.paymentRequirements))
    if (req.method === 'POST' && path === 'settle') return send(200, await facilitator.settle(body.paymentPayload, body.paymentRequirements))
    send(404, { error: 'not found' })
  } catch (error) {
    send(500, { error: String(error) })
  }
})
server.listen(0, '127.0.0.1', () => {
  print({ url: `http://127.0.0.1:${server.address().port}`, feePayer: keypair.address })
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
