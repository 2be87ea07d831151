import { encodeJsonHeader } from '../protocol/decode-header.js'
import { EXPOSED_HEADERS, Headers, type SettleResponse, type X402Version } from '../protocol/wire-types.js'

/** The settlement answer in the header of the generation that paid: `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1). */
export function settlementHeaders(x402Version: X402Version, response: SettleResponse): Record<string, string> {
  const name = x402Version === 2 ? Headers.paymentResponse : Headers.xPaymentResponse
  return { [name]: encodeJsonHeader(response), 'access-control-expose-headers': EXPOSED_HEADERS }
}
