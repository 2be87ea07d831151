/**
 * Discovery: what a tollgate sells, readable without paying.
 *
 * CONTRACT FOR ADAPTERS (H9): mount with one line per adapter as `gate.discoveryRoutes()`, which
 * answers with
 *
 *   serveDiscovery(core: Tollgate, request: RequestLike): HttpAnswer | undefined
 *
 * (exported from 'tollgate' core). It is synchronous and reads no body. It returns the answer
 * (200 JSON) for `GET` or `HEAD` of DISCOVERY_PATH ('/.well-known/x402', compared with the request
 * URL's pathname), and undefined for every other request: the adapter then passes the request on
 * (next() / not found). Send the HttpAnswer as any other (status, headers, JSON body; HEAD: no body).
 * `core.discovery(request)` is the same function bound to the core.
 */
export { DISCOVERY_PATH, serveDiscovery } from './serve-discovery.js'
