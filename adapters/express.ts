/**
 * Express (5, and 4) adapter: `gate.paywall({ amount, network })` is route middleware.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import { json, type Request, type RequestHandler } from 'express'
import {
  createTollgate,
  JSON_BODY_LIMIT_BYTES,
  jsonBodyRefusal,
  type AdapterTollgate,
  type PaywallOptions,
  type TollgateConfig,
  type VerifiedPayment,
} from '../src/index.js'
import { nodeRequestLike, runGate, sendAnswer } from './node.js'

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified payment of this request, set by `paywall()` before the handler runs. */
    payment?: VerifiedPayment
  }
}

/** `app.get(path, gate.paywall({...}), handler)`; `app.use(gate.prepaidRoutes())`. */
export type ExpressTollgate = AdapterTollgate<RequestHandler, RequestHandler>

export function tollgate(config: TollgateConfig): ExpressTollgate {
  const core = createTollgate(config)
  return {
    core,
    ...(core.prepaid ? { prepaid: core.prepaid } : {}),
    prepaidRoutes(): RequestHandler {
      const plan = core.requirePrepaid()
      // Matched on the full URL, so it works mounted anywhere: app.use(gate.prepaidRoutes()).
      return (req, res, next) => {
        // Mounted for every request, so the check costs only a string compare.
        if (!plan.handles(req.method, req.originalUrl.split('?', 1)[0] ?? '')) return next()
        const request = nodeRequestLike(req, urlOf(req))
        jsonBody(req, res, () => {
          plan.route(request, req.body).then((answer) => (answer ? sendAnswer(res, answer) : next()), next)
        })
      }
    },
    paywall(options: PaywallOptions): RequestHandler {
      const gate = core.route(options)
      return (req, res, next) => {
        void runGate(gate, nodeRequestLike(req, () => urlOf(req)), res, {
          proceed: (payment) => {
            req.payment = payment
            next()
          },
          fail: next,
        })
      }
    },
  }
}

const parseJson = json({ limit: JSON_BODY_LIMIT_BYTES })

/** A body that is not JSON is the buyer's mistake: a 400 with a reason, not Express's HTML error page. */
const jsonBody: RequestHandler = (req, res, next) => {
  parseJson(req, res, (error?: unknown) => {
    if (error) sendAnswer(res, jsonBodyRefusal((error as { status?: number }).status === 413 ? 413 : 400))
    else next()
  })
}

/** Uses Express's own protocol and host, so `trust proxy` settings decide what the buyer sees as the resource. */
function urlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
}

export type { PaywallOptions, TollgateConfig, VerifiedPayment } from '../src/index.js'
export { localSettler, memoryStore } from '../src/index.js'
export { prepaid } from '../src/prepaid/index.js'
