import type { RequestLike } from '../http/request-like.js'
import type { HttpAnswer } from './decision.js'

const PAYMENT_REQUEST_HEADERS = ['payment-signature', 'x-payment', 'access-control-expose-headers']

/**
 * Answers a CORS preflight for a paid route without asking for payment. The v2 client sends
 * `Access-Control-Expose-Headers` as a request header, so it has to be allowed along with the
 * two payment headers, or browsers never send the paid retry.
 */
export function preflightAnswer(request: RequestLike): Omit<HttpAnswer, 'body'> & { body: null } {
  const asked = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '')
  const allowed = [...new Set([...asked, ...PAYMENT_REQUEST_HEADERS])].join(', ')
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': request.headers.get('origin') ?? '*',
      'access-control-allow-methods': request.headers.get('access-control-request-method') ?? 'GET',
      'access-control-allow-headers': allowed,
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers',
    },
    body: null,
  }
}
