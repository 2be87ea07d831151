import type { RequestLike } from '../http/request-like.js'

/** Where a request's client address comes from: tollgate's requests carry no socket address. */
export type ClientIp = (request: RequestLike) => string | undefined | null

/** Longest address kept: IPv6 with a zone fits; anything longer is not an address. */
const MAX_IP = 64
const IP_CHARS = /^[0-9A-Za-z:.%_-]+$/

/**
 * The client address your reverse proxies recorded in `X-Forwarded-For`, for a seller behind
 * `proxies` proxies that each append the address they received from (nginx
 * `$proxy_add_x_forwarded_for`, most load balancers). The entry `proxies` from the right is the
 * one your nearest trusted proxy wrote; entries left of it are whatever the client sent and are
 * ignored. Use it only behind such proxies: a seller reached directly would trust a header anyone
 * can set. A missing or malformed entry gives undefined (the limiter counts those together).
 */
export function forwardedFor(options: { proxies?: number; header?: string } = {}): ClientIp {
  const proxies = options.proxies ?? 1
  if (!Number.isSafeInteger(proxies) || proxies < 1) throw new RangeError(`forwardedFor: proxies must be a whole number of at least 1, not ${String(proxies)}`)
  const header = (options.header ?? 'x-forwarded-for').toLowerCase()
  return (request) => {
    // Several headers of one name arrive joined with ', ', which reads as one list.
    const list = request.headers.get(header)
    if (list === null) return undefined
    const entries = list.split(',')
    return cleanIp(entries[entries.length - proxies])
  }
}

/** A trimmed address, or undefined for anything that is not one (never a key an attacker can bloat). */
export function cleanIp(value: string | undefined | null): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length > 0 && trimmed.length <= MAX_IP && IP_CHARS.test(trimmed) ? trimmed.toLowerCase() : undefined
}
