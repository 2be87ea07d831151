// Pays for one GET with the official Solana x402 client (see buyer.mjs), one payment per process.
//
// usage: node interop/svm-client/pay.mjs <url> <buyerSecretKeyBase58> --rpc <url> [--asset <mint>]
//          [--v1] [--sign-only] [--max <atomic>]
//   --v1         answer the 402's v1 body (x402Version 1, X-PAYMENT) instead of its PAYMENT-REQUIRED header
//   --sign-only  print the payment header it would send, and stop (tests replay it themselves)
//   --asset      the test mint, opted in through spend controls (the client pays only known assets by default)
// prints one JSON line: {status, body, headers, paymentResponse, paymentHeaders, payload, timings}
// (exit 0 whatever the status), or {error} with exit 1 when the client throws.
import { parseArgs, print } from './args.mjs'
import { pay } from './buyer.mjs'

const { positional, options } = parseArgs(process.argv.slice(2))
const [url, secret] = positional
try {
  if (!url || !secret || typeof options.rpc !== 'string') throw new Error('usage: pay.mjs <url> <secretKeyBase58> --rpc <url> [--asset <mint>] [--v1] [--sign-only] [--max <atomic>]')
  print(await pay(url, secret, { rpc: options.rpc, asset: options.asset, v1: options.v1 === true, signOnly: options['sign-only'] === true, max: options.max }))
} catch (error) {
  print({ error: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
}
