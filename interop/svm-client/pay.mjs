// Pays for one GET with the official Solana x402 client (@x402/svm 2.27 through @x402/core's
// x402HTTPClient, the machinery @x402/fetch wraps), step by step so a test can see each step.
//
// usage: node interop/svm-client/pay.mjs <url> <buyerSecretKeyBase58> --rpc <url> [--asset <mint>]
//          [--v1] [--sign-only] [--max <atomic>]
//   --v1         answer the 402's v1 body (x402Version 1, X-PAYMENT) instead of its PAYMENT-REQUIRED header
//   --sign-only  print the payment header it would send, and stop (tests replay it themselves)
//   --asset      the test mint, opted in through spend controls (the client pays only known assets by default)
// prints one JSON line: {status, body, headers, paymentResponse, paymentHeaders, payload, timings}
// (exit 0 whatever the status), or {error} with exit 1 when the client throws.
import { createKeyPairSignerFromBytes, getBase58Encoder } from '@solana/kit'
import { x402Client, x402HTTPClient } from '@x402/core/client'
import { decodePaymentResponseHeader } from '@x402/core/http'
import { ExactSvmScheme } from '@x402/svm/exact/client'
import { ExactSvmSchemeV1 } from '@x402/svm/exact/v1/client'
import { parseArgs, print } from './args.mjs'

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

async function main() {
  const { positional, options } = parseArgs(process.argv.slice(2))
  const [url, secret] = positional
  if (!url || !secret || typeof options.rpc !== 'string') throw new Error('usage: pay.mjs <url> <secretKeyBase58> --rpc <url> [--asset <mint>] [--v1] [--sign-only] [--max <atomic>]')
  const signer = await createKeyPairSignerFromBytes(getBase58Encoder().encode(secret))
  const client = new x402Client()
  client.register(DEVNET, new ExactSvmScheme(signer, { rpcUrl: options.rpc }))
  client.registerV1('solana-devnet', new ExactSvmSchemeV1(signer, { rpcUrl: options.rpc }))
  if (typeof options.asset === 'string') {
    const cap = typeof options.max === 'string' ? { maxAmountPerPayment: options.max } : {}
    client.setSpendControls({
      allowedAssets: [
        { network: DEVNET, asset: options.asset, ...cap },
        { network: 'solana-devnet', asset: options.asset, ...cap },
      ],
    })
  }
  const http = new x402HTTPClient(client)
  const timings = {}
  let t = performance.now()
  const first = await fetch(url)
  timings.challengeMs = Math.round(performance.now() - t)
  const firstText = await first.text()
  if (first.status !== 402) {
    print({ status: first.status, body: firstText, headers: Object.fromEntries(first.headers), paymentResponse: null, timings })
    return
  }
  let body
  try {
    body = JSON.parse(firstText)
  } catch {
    body = undefined
  }
  const required = http.getPaymentRequiredResponse((name) => (options.v1 ? null : first.headers.get(name)), body)
  t = performance.now()
  const payload = await http.createPaymentPayload(required)
  timings.signMs = Math.round(performance.now() - t)
  const paymentHeaders = http.encodePaymentSignatureHeader(payload)
  if (options['sign-only']) {
    print({ paymentHeaders, payload, timings })
    return
  }
  t = performance.now()
  const paid = await fetch(url, { headers: paymentHeaders })
  timings.paidMs = Math.round(performance.now() - t)
  const header = paid.headers.get('payment-response') ?? paid.headers.get('x-payment-response')
  let paymentResponse = null
  if (header) {
    try {
      paymentResponse = decodePaymentResponseHeader(header)
    } catch {
      paymentResponse = { undecodable: header }
    }
  }
  print({ status: paid.status, body: await paid.text(), headers: Object.fromEntries(paid.headers), paymentResponse, paymentHeaders, payload, timings })
}

main().catch((error) => {
  print({ error: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
})
