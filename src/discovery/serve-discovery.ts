import type { HttpAnswer } from '../gate/decision.js'
import type { RequestLike } from '../http/request-like.js'

/** Where agents look first: a well-known path on the seller's own origin (RFC 8615). */
export const DISCOVERY_PATH = '/.well-known/x402'

/** What serveDiscovery needs of a tollgate core: its listing document. */
export interface DiscoverySource {
  listing(): unknown
}

/** The listing for `GET`/`HEAD` of DISCOVERY_PATH, undefined for any other request (pass it on). */
export function serveDiscovery(core: DiscoverySource, request: RequestLike): HttpAnswer | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
  let url: URL
  try {
    url = new URL(request.url)
  } catch {
    return undefined
  }
  if (url.pathname !== DISCOVERY_PATH) return undefined
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*' },
    body: core.listing(),
  }
}
