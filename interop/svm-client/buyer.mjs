// The official Solana x402 client (@x402/svm 2.27 through @x402/core's x402HTTPClient, the machinery
// @x402/fetch wraps) paying one GET step by step, so a test can see each step. Used by pay.mjs (one
// payment per process) and buyer-server.mjs (one process, many payments: no module loading per payment).
import { createKeyPairSignerFromBytes, getBase58Encoder } from '@solana/kit'
import { x402Client, x402HTTPClient } from '@x402/core/client'
import { decodePaymentResponseHeader } from '@x402/core/http'
import { ExactSvmScheme } from '@x402/svm/exact/client'
import { ExactSvmSchemeV1 } from '@x402/svm/exact/v1/client'

const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

/**
 * options: { rpc, asset?, v1?, signOnly?, max? }. Returns {status, body, headers, paymentResponse,
 * paymentHeaders, payload, timings}, or {paymentHeaders, payload, timings} with signOnly; throws when
 * the client refuses or fails.
 */
export async function pay(url, secret, options) {
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
    return { status: first.status, body: firstText, headers: Object.fromEntries(first.headers), paymentResponse: null, timings }
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
  if (options.signOnly) return { paymentHeaders, payload, timings }
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
  return { status: paid.status, body: await paid.text(), headers: Object.fromEntries(paid.headers), paymentResponse, paymentHeaders, payload, timings }
}
