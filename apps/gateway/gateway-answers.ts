/**
 * The gateway's own answers: stable reason codes and plain words, never what the upstream or a
 * library said (that may hold internal hosts or secrets; it goes to the log). None of them is a
 * charge: each is a status >= 400, so the paywall frees the payment it may carry.
 */
import type { HttpAnswer } from '../../src/index.js'

export const GatewayReason = {
  upstreamUnavailable: 'upstream_unavailable',
  upstreamTimeout: 'upstream_timeout',
  requestTooLarge: 'request_too_large',
  routeNotFound: 'route_not_found',
  ambiguousPath: 'ambiguous_path',
  badRequest: 'bad_request',
  gatewayError: 'gateway_error',
} as const
export type GatewayReasonCode = (typeof GatewayReason)[keyof typeof GatewayReason]

const ANSWERS: Record<GatewayReasonCode, { status: number; message: string }> = {
  upstream_unavailable: { status: 502, message: 'The service behind this gateway could not be reached or answered badly; nothing was charged.' },
  upstream_timeout: { status: 504, message: 'The service behind this gateway did not answer in time; nothing was charged.' },
  request_too_large: { status: 413, message: 'The request body is larger than this gateway accepts; nothing was charged.' },
  route_not_found: { status: 404, message: 'No route of this gateway matches this method and path.' },
  ambiguous_path: { status: 400, message: 'The path holds encoded slashes, backslashes, dot segments or malformed escapes; send it in plain form.' },
  bad_request: { status: 400, message: 'The request could not be read; nothing was charged.' },
  gateway_error: { status: 500, message: 'The gateway failed to handle this request; nothing was charged.' },
}

export function gatewayAnswer(reason: GatewayReasonCode): HttpAnswer {
  const { status, message } = ANSWERS[reason]
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: { error: reason, message } }
}

/** What a failed upstream call (from @fastify/reply-from and undici) becomes: 504 for any timeout, else 502. */
export function upstreamFailure(error: unknown): HttpAnswer {
  const { statusCode, code, name } = (error ?? {}) as { statusCode?: number; code?: string; name?: string }
  const cause = ((error ?? {}) as { cause?: { code?: string } }).cause?.code ?? ''
  const timedOut = statusCode === 504 || /TIMEOUT/i.test(`${code ?? ''} ${cause} ${name ?? ''}`)
  return gatewayAnswer(timedOut ? GatewayReason.upstreamTimeout : GatewayReason.upstreamUnavailable)
}
