/**
 * The gate's side of the browser paywall: for a navigation to a paywalled route, the route's own
 * challenge is answered as an HTML page instead of JSON. Everything else (API clients, both
 * official buyers, any request carrying a payment or a credential) never reaches this.
 */
import type { HttpAnswer } from '../gate/decision.js'
import type { RequestLike } from '../http/request-like.js'
import { decodePaymentHeader } from '../protocol/decode-header.js'
import type { PaymentRequiredV2 } from '../protocol/wire-types.js'
import { newNonce, pageCsp } from './page-csp.js'
import { pageData, type DisplayLookup } from './page-data.js'
import { logoSource, type PaywallPageOptions } from './page-options.js'
import { NONCE_SLOT, renderPage } from './render-page.js'
import { prefersHtml } from './prefers-html.js'

export interface BrowserPage {
  /** The page for a browser navigation answered with `challenge`; undefined for any other request. */
  answer(request: RequestLike, challenge: HttpAnswer): HttpAnswer | undefined
}

export function browserPage(options: PaywallPageOptions, lookup: DisplayLookup): BrowserPage {
  // Keyed by the challenge object: the gate caches one frozen challenge per URL (and price), so a
  // page is rendered once per challenge; a challenge built per request simply renders again.
  const rendered = new WeakMap<HttpAnswer, string[] | null>()
  const logo = logoSource(options.logoUrl)
  const imageOrigins = logo && logo !== 'self' && logo !== 'data' ? [logo] : []
  return {
    answer(request, challenge) {
      if (request.method !== 'GET' || !prefersHtml(request.headers.get('accept'))) return undefined
      let parts = rendered.get(challenge)
      if (parts === undefined) {
        const required = readChallenge(challenge)
        parts = required ? renderPage(options, pageData(required, lookup)).split(NONCE_SLOT) : null
        rendered.set(challenge, parts)
      }
      // A challenge the page cannot read is served as it is: the JSON answer still lets anyone pay.
      if (!parts) return undefined
      const nonce = newNonce()
      return {
        status: challenge.status,
        headers: {
          ...challenge.headers,
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': pageCsp(nonce, imageOrigins),
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          vary: 'Accept',
        },
        body: null,
        text: parts.join(nonce),
      }
    },
  }
}

function readChallenge(challenge: HttpAnswer): PaymentRequiredV2 | undefined {
  const header = challenge.headers['payment-required']
  if (!header) return undefined
  const decoded = decodePaymentHeader(header)
  const value = decoded.ok ? (decoded.value as Partial<PaymentRequiredV2>) : undefined
  return value && value.x402Version === 2 && Array.isArray(value.accepts) && typeof value.resource === 'object' ? (value as PaymentRequiredV2) : undefined
}
