/**
 * What crosses the gateway in each direction. Requests: an allow-list (a default set of
 * content-negotiation and caching headers, plus the configured ones); payment credentials,
 * hop-by-hop headers and anything the client claims about forwarding or payment never pass, and
 * the gateway states those itself (X-Forwarded-*, X-Tollgate-*). Answers: hop-by-hop headers
 * and any payment header the upstream set are dropped, so the buyer sees only the gateway's
 * settlement header.
 */
import type { VerifiedPayment } from '../../src/index.js'

/** Per RFC 9110 §7.6.1, plus the legacy ones proxies still meet. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-authorization']

/** Payment credentials: what the buyer paid with stays at the gateway. */
const CREDENTIALS = ['payment-signature', 'x-payment', 'x-prepaid-credential', 'x-payment-secure', 'x-risk-session']

/** Never forwarded, whatever the allow-list says (the configuration refuses them). */
export const NEVER_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...CREDENTIALS, 'host', 'content-length', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded'])

/** Forwarded without being listed: what an ordinary API needs to negotiate and cache. */
export const DEFAULT_FORWARDED = [
  'accept', 'accept-encoding', 'accept-language', 'cache-control', 'pragma', 'content-type', 'content-encoding', 'content-language',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'user-agent', 'origin', 'referer',
  'x-request-id', 'traceparent', 'tracestate',
]

/** Answer headers the upstream may not set: the settlement is the gateway's to announce. */
const PAYMENT_ANSWER_HEADERS = ['payment-response', 'x-payment-response', 'payment-required', 'x-prepaid-remaining', 'www-authenticate-x402']

type Headers = Record<string, string | string[] | undefined>

export interface ForwardContext {
  /** X-Forwarded-For as the gateway completed it (the client's socket address appended). */
  forwardedFor: string | undefined
  proto: string
  host: string
  payment: VerifiedPayment | undefined
  route: string
}

/** The headers sent upstream, built from the allow-list only. */
export function upstreamHeaders(incoming: Headers, allow: ReadonlySet<string>, context: ForwardContext): Record<string, string> {
  const connectionListed = listed(incoming.connection)
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || !allow.has(name) || NEVER_FORWARDED.has(name) || connectionListed.has(name) || name.startsWith('x-tollgate-')) continue
    const text = Array.isArray(value) ? value.join(', ') : value
    // An x402 credential in Authorization (the push form: `Authorization: x402 <hash>`) is a payment credential.
    if (name === 'authorization' && /^\s*x402(\s|$)/i.test(text)) continue
    out[name] = text
  }
  if (incoming.host !== undefined) out['x-forwarded-host'] = context.host
  out['x-forwarded-proto'] = context.proto
  if (context.forwardedFor) out['x-forwarded-for'] = context.forwardedFor
  out['x-tollgate-route'] = context.route
  const payment = context.payment
  if (payment) {
    out['x-tollgate-payer'] = payment.payer
    out['x-tollgate-amount'] = payment.amount
    out['x-tollgate-network'] = payment.network
    if (payment.transaction) out['x-tollgate-transaction'] = payment.transaction
  }
  return out
}

/** The upstream's answer headers, minus hop-by-hop and payment headers. */
export function downstreamHeaders(upstream: Headers): Headers {
  const drop = new Set([...HOP_BY_HOP, ...PAYMENT_ANSWER_HEADERS, ...listed(upstream.connection)])
  const out: Headers = {}
  for (const [name, value] of Object.entries(upstream)) if (!drop.has(name.toLowerCase())) out[name] = value
  return out
}

/** The set of forwarded header names: the defaults and the configured extras. */
export function allowList(extra: readonly string[]): ReadonlySet<string> {
  return new Set([...DEFAULT_FORWARDED, ...extra.map((name) => name.toLowerCase())])
}

function listed(connection: string | string[] | undefined): Set<string> {
  const text = Array.isArray(connection) ? connection.join(',') : (connection ?? '')
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean))
}
