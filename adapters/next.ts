/**
 * Next.js App Router adapter: `withPayment(handler, { amount, network })` wraps a route handler.
 * Translation only: a route handler already takes a Web Request and returns a Response, so this
 * adds the payment to its context and leaves the rest to the Web bridge. It imports nothing from Next
 * and no Node API, so it adds nothing that would keep a route off the edge runtime.
 */
import type { PaywallOptions, Tollgate, VerifiedPayment } from '../src/index.js'
import { serveDiscoveryListing, servePaid, servePrepaid, webTollgate, type ConfigSource } from './web.js'

/** The handler's context: Next's (e.g. `{ params }`) plus the verified payment. */
export type PaidContext<Ctx> = Ctx & { payment: VerifiedPayment }

export type PaidRouteHandler<Req extends Request, Ctx> = (request: Req, context: PaidContext<Ctx>) => Response | Promise<Response>

/**
 * What the route module exports. Without typed params the context is optional and `unknown`, which
 * both `GET(new Request(url))` and Next's build-time route type check accept.
 */
export type RouteHandler<Req extends Request, Ctx> = (
  request: Req,
  ...context: {} extends Omit<Ctx, 'payment'> ? [context?: unknown] : [context: Omit<Ctx, 'payment'>]
) => Promise<Response>

export interface NextTollgate {
  /**
   * Charges for a route handler: settles only when it answers < 400, then returns its Response with
   * the settlement header. Export the result for OPTIONS too, so CORS preflights reach it.
   */
  withPayment<Req extends Request = Request, Ctx extends object = {}>(
    handler: PaidRouteHandler<Req, Ctx>,
    options: PaywallOptions,
  ): RouteHandler<Req, Ctx>
  /**
   * The prepaid packages list and purchase endpoint as one route handler, for a catch-all route
   * under the prepaid path: `export { handler as GET, handler as POST, handler as OPTIONS }`.
   */
  prepaidRoutes(): (request: Request) => Promise<Response>
  /**
   * The listing of every paywalled route, for `app/.well-known/x402/route.ts`:
   * `export const GET = gate.discoveryRoutes()`. Only routes whose gate was built are listed: in
   * Next a route's gate is built at its first request, so list them with `resource` or import them.
   */
  discoveryRoutes(): (request: Request) => Promise<Response>
  readonly core: Tollgate
}

export function tollgate(config: ConfigSource): NextTollgate {
  const web = webTollgate(config)
  return {
    get core() {
      return web.core()
    },
    withPayment(handler, options) {
      const gate = web.route(options)
      return (request, ...rest) => {
        const context = rest[0] as object | undefined
        return servePaid(gate, request, (req, payment) => handler(req, { ...context, payment } as never))
      }
    },
    prepaidRoutes() {
      return (request) => servePrepaid(web.core(), request)
    },
    discoveryRoutes() {
      return (request) => serveDiscoveryListing(web.core(), request)
    },
  }
}

export type { ConfigSource } from './web.js'
export type { PaywallOptions, TollgateConfig, VerifiedPayment, VerifiedPayment as Payment } from '../src/index.js'
export type { KnownNetworkName, NetworkName } from '../src/types/network-name.js'
export { paymentOf } from './web.js'
export { ConfigurationError, localSettler, memoryStore } from '../src/index.js'
export { serveAnswer } from './web-serve-answer.js'
export type { AnswerProducer, ServableAnswer, TextAnswer } from './serve-answer.js'
