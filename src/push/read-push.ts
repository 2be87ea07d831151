import { Reason } from '../errors/reasons.js'
import type { RequestLike } from '../http/request-like.js'
import type { PaymentRead } from '../protocol/read-payment.js'
import { parsePushAuthorization, type PushCredentials } from './authorization-header.js'

/** The scheme name pushed payments go by inside tollgate (in hooks, metrics and `req.payment.scheme`). */
export const PUSH_SCHEME = 'push'

/** The envelope payload of a pushed payment: the credentials, and the request method the binding signs. */
export interface PushPayload {
  credentials: PushCredentials
  httpMethod: string
}

/**
 * A pushed payment's `Authorization: x402 …` as an envelope the gate's methods inspect; null when
 * the request carries no x402 credential (no Authorization header, or another scheme such as Bearer,
 * which belongs to the seller's own API).
 */
export function readPushPayment(request: RequestLike): PaymentRead | null {
  const header = request.headers.get('authorization')
  if (header === null) return null
  const read = parsePushAuthorization(header)
  if (read.kind === 'none') return null
  if (read.kind === 'invalid') {
    return { kind: 'invalid', status: read.status, reason: read.status === 431 ? Reason.headerTooLarge : Reason.invalidPayload, detail: read.detail }
  }
  const payload: PushPayload = { credentials: read.credentials, httpMethod: request.method.toUpperCase() }
  return { kind: 'payment', envelope: { x402Version: 2, scheme: PUSH_SCHEME, network: read.credentials.chain ?? '', payload } }
}
