// Pays for one GET with the official protocol-v1 buyer (x402-fetch 1.2.0), the way its README
// does it: a viem wallet client bound to the payment network. Binding the chain matters: x402-fetch
// then only considers `accepts` entries for that network (a bare account would consider all).
//
// usage: node interop/v1-client/pay.mjs <url> <buyerPrivateKeyHex> [maxValueAtomic] [network]
// prints one JSON line: {status, body, headers, paymentResponse} (exit 0 whatever the status),
// or {error} with exit 1 when the client throws.
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { evm } from 'x402/types'
import { decodeXPaymentResponse, wrapFetchWithPayment } from 'x402-fetch'

function print(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

async function main() {
  const [url, key, maxValue, network = 'base-sepolia'] = process.argv.slice(2)
  if (!url || !key) throw new Error('usage: pay.mjs <url> <buyerPrivateKeyHex> [maxValueAtomic] [network]')
  const account = privateKeyToAccount(key.startsWith('0x') ? key : `0x${key}`)
  // No RPC call is made: a local account signs typed data offline.
  const signer = createWalletClient({ account, chain: evm.getChainFromNetwork(network), transport: http() })
  const payingFetch = wrapFetchWithPayment(fetch, signer, maxValue === undefined ? undefined : BigInt(maxValue))
  const res = await payingFetch(url, { method: 'GET' })
  const header = res.headers.get('x-payment-response')
  let paymentResponse = null
  if (header) {
    try {
      paymentResponse = decodeXPaymentResponse(header)
    } catch {
      paymentResponse = { undecodable: header }
    }
  }
  print({ status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers), paymentResponse })
}

main().catch((error) => {
  print({ error: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
})
