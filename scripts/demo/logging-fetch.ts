/**
 * The base fetch handed to the official v2 client: it forwards every request unchanged and prints
 * what goes over the wire, decoding the PAYMENT-SIGNATURE the client signed.
 */
import { decodeBase64Json, dim, formatUnits, line, note, shorten } from './print.js'

export interface SignedPayment {
  x402Version: number
  accepted: { scheme: string; network: string; amount: string; asset: string; payTo: string }
  payload: {
    signature: string
    authorization: { from: string; to: string; value: string; validAfter: string; validBefore: string; nonce: string }
  }
}

export interface LoggingFetch {
  fetch: typeof fetch
  /** Every PAYMENT-SIGNATURE the client sent, decoded, in order. */
  payments: SignedPayment[]
}

export function loggingFetch(token: { symbol: string; decimals: number }): LoggingFetch {
  const payments: SignedPayment[] = []
  const logged: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const path = new URL(request.url).pathname
    const header = request.headers.get('payment-signature')
    if (header === null) {
      note(`→ ${request.method} ${path} ${dim('(no payment)')}`)
    } else {
      const payment = decodeBase64Json<SignedPayment>(header)
      payments.push(payment)
      printPayment(request.method, path, payment, token)
    }
    const response = await fetch(request)
    note(`← ${response.status} ${response.statusText}`)
    return response
  }
  return { fetch: logged, payments }
}

function printPayment(method: string, path: string, payment: SignedPayment, token: { symbol: string; decimals: number }): void {
  const { authorization: a, signature } = payment.payload
  const validFor = Number(a.validBefore) - Math.floor(Date.now() / 1000)
  note(`→ ${method} ${path} with PAYMENT-SIGNATURE ${dim(`(x402Version ${payment.x402Version}, ${payment.accepted.scheme} on ${payment.accepted.network})`)}`)
  note('  signed EIP-3009 TransferWithAuthorization:')
  line('    from', a.from)
  line('    to', a.to)
  line('    value', `${a.value} (${formatUnits(BigInt(a.value), token.decimals)} ${token.symbol})`)
  line('    validAfter', a.validAfter)
  line('    validBefore', `${a.validBefore} (in ${validFor} s)`)
  line('    nonce', a.nonce)
  line('    signature', shorten(signature))
}
