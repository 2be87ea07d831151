/**
 * Web fetch adapter, for anything that serves `(request: Request) => Response`: Hono, Bun, Deno,
 * Cloudflare Workers. `paywall(options)` gives `(request, next) => Promise<Response>`, where `next`
 * is the protected handler. Translation only, and framework-free: it imports no framework.
 */
import type { PaywallOptions, Tollgate, VerifiedPayment } from '../src/index.js'
import { serveDiscoveryListing, servePaid, servePrepaid, webTollgate, type ConfigSource, type PaidHandler } from './web.js'

/** Runs `next` (which also receives the payment) only for a paid request, under the route's settlement policy. */
export type FetchPaywall = <Req extends Request>(request: Req, next: PaidHandler<Req>) => Promise<Response>

/**
 * Hono's variables for the payment a middleware puts on the context:
 * `new Hono<{ Variables: PaymentVariables }>()`, then `c.get('payment')` is a Payment, not optional.
 */
export type PaymentVariables = { payment: VerifiedPayment }

export interface FetchTollgate {
  paywall(options: PaywallOptions): FetchPaywall
  /** `(request) => Response` for `GET <prepaid path>/packages` and `POST <prepaid path>/purchase` (404 otherwise). */
  prepaidRoutes(): (request: Request) => Promise<Response>
  /** `(request) => Response` for `GET /.well-known/x402`: the listing of every paywalled route, free (404 otherwise). */
  discoveryRoutes(): (request: Request) => Promise<Response>
  readonly core: Tollgate
}

export function tollgate(config: ConfigSource): FetchTollgate {
  const web = webTollgate(config)
  return {
    get core() {
      return web.core()
    },
    paywall(options) {
      const gate = web.route(options)
      return (request, next) => servePaid(gate, request, next)
    },
    prepaidRoutes() {
      return (request) => servePrepaid(web.core(), request)
    },
    discoveryRoutes() {
      return (request) => serveDiscoveryListing(web.core(), request)
    },
  }
}

export type { ConfigSource, PaidHandler } from './web.js'
export type { PaywallOptions, TollgateConfig, VerifiedPayment, VerifiedPayment as Payment } from '../src/index.js'
export type { KnownNetworkName, NetworkName } from '../src/types/network-name.js'
export { paymentOf } from './web.js'
export { ConfigurationError, localSettler, memoryStore } from '../src/index.js'
export { serveAnswer } from './web-serve-answer.js'
export type { AnswerProducer, ServableAnswer, TextAnswer } from './serve-answer.js'
