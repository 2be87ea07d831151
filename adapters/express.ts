/**
 * Express (5, and 4) adapter: `gate.paywall({ amount, network })` is route middleware.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  createTollgate,
  type AdapterTollgate,
  type JsonBody,
  type PaywallOptions,
  type TollgateConfig,
  type VerifiedPayment,
} from '../src/index.js'
import { readJsonBody } from './node-body.js'
import { bytesOfParsed, isDiscoveryPath, NodeRequestBase, nodeRequestLike, runGate, sendAnswer, type NodeGateHooks } from './node.js'
import { sendServable } from './node-answer.js'
import { produceAnswer, type AnswerProducer } from './serve-answer.js'

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified payment of this request, set by `paywall()` before the handler runs. */
    payment?: VerifiedPayment
  }
}

/** A request the paywall let in: its payment is there, not optional. */
export type PaidRequest<Req extends Request = Request> = Req & { payment: VerifiedPayment }

/** A protected handler: Express's, with the request's payment typed as present. */
export type PaidRequestHandler = (req: PaidRequest, res: Response, next: NextFunction) => unknown

/** `app.get(path, gate.paywall({...}), handler)`; `app.use(gate.prepaidRoutes())`; `app.use(gate.discoveryRoutes())`. */
export type ExpressTollgate = AdapterTollgate<RequestHandler, RequestHandler> & {
  /** Answers `GET /.well-known/x402` with the listing of every paywalled route, free; passes anything else on. */
  discoveryRoutes(): RequestHandler
  /**
   * The paywall and its handler as one route handler, the handler typed with `req.payment` present:
   * `app.get('/data', gate.paid({ amount, network }, (req, res) => res.json({ payer: req.payment.payer })))`.
   * A rejected promise from the handler goes to `next(error)` (Express 4 does not do that itself).
   */
  paid(options: PaywallOptions, handler: PaidRequestHandler): RequestHandler
}

export function tollgate(config: TollgateConfig): ExpressTollgate {
  const core = createTollgate(config)
  // Named, not `this`: sellers destructure (`const { paid } = tollgate(...)`).
  const self: ExpressTollgate = {
    core,
    ...(core.prepaid ? { prepaid: core.prepaid } : {}),
    prepaidRoutes(): RequestHandler {
      const plan = core.requirePrepaid()
      // Matched on the full URL, so it works mounted anywhere: app.use(gate.prepaidRoutes()).
      return (req, res, next) => {
        // Mounted for every request, so the check costs only a string compare.
        if (!plan.handles(req.method, req.originalUrl.split('?', 1)[0] ?? '')) return next()
        const request = nodeRequestLike(req, urlOf(req))
        // A body the app's own parser (express.json()) already read is taken as it is; otherwise it is
        // read here with the cap, and refused as soon as it passes it (body-parser would first drain it).
        const read: Promise<JsonBody> = (req as { _body?: boolean })._body ? Promise.resolve({ ok: true, value: req.body as unknown }) : readJsonBody(req)
        read
          .then((body) => (body.ok ? plan.route(request, body.value) : body.answer))
          .then((answer) => (answer ? sendAnswer(res, answer) : next()), next)
      }
    },
    discoveryRoutes(): RequestHandler {
      return (req, res, next) => {
        // Mounted for every request: only a GET or HEAD of the well-known path builds a URL.
        if (!isDiscoveryPath(req.method, req.originalUrl)) return next()
        const answer = core.discovery(nodeRequestLike(req, urlOf(req)))
        if (answer) sendAnswer(res, answer)
        else next()
      }
    },
    paid(options, handler) {
      const paywall = self.paywall(options)
      return (req, res, next) =>
        paywall(req, res, (error?: unknown) => {
          if (error !== undefined && error !== null) return next(error)
          try {
            Promise.resolve(handler(req as PaidRequest, res, next)).catch(next)
          } catch (thrown) {
            next(thrown)
          }
        })
    },
    paywall(options: PaywallOptions): RequestHandler {
      const gate = core.route(options)
      return (req, res, next) => {
        void runGate(gate, new ExpressRequest(req), res, new ExpressNext(req, next))
      }
    },
  }
  return self
}

/**
 * A seller endpoint of one line: `app.get('/metrics', serveAnswer(metrics.scrape))`. A throw or
 * rejection of the producer goes to `next(error)`, Express's error handling.
 */
export function serveAnswer(produce: AnswerProducer): RequestHandler {
  return (req, res, next) => {
    produceAnswer(produce, nodeRequestLike(req, () => urlOf(req))).then((answer) => sendServable(res, answer), next)
  }
}

/** Uses Express's own protocol and host, so `trust proxy` settings decide what the buyer sees as the resource. */
function urlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
}

/** What runs after the gate: the handler with the payment set, or Express's error handling (a class: no closure per request). */
class ExpressNext implements NodeGateHooks {
  constructor(
    private readonly req: Request,
    private readonly next: NextFunction,
  ) {}

  proceed(payment: VerifiedPayment): void {
    this.req.payment = payment
    this.next()
  }

  fail(error: unknown): void {
    this.next(error)
  }
}

/** The request as the core reads it: its URL built on first use, a body express.json() parsed taken as it is. */
class ExpressRequest extends NodeRequestBase {
  constructor(private readonly request: Request) {
    super(request)
  }

  protected buildUrl(): string {
    return urlOf(this.request)
  }

  protected override parsedBody(): Uint8Array | undefined {
    return bytesOfParsed(this.request.body)
  }
}

export type { PaywallOptions, TollgateConfig, VerifiedPayment, VerifiedPayment as Payment } from '../src/index.js'
export type { KnownNetworkName, NetworkName } from '../src/types/network-name.js'
export { ConfigurationError, localSettler, memoryStore } from '../src/index.js'
export { prepaid } from '../src/prepaid/index.js'
export type { AnswerProducer, ServableAnswer, TextAnswer } from './serve-answer.js'
