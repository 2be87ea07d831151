/**
 * Express (5, and 4) adapter: `gate.paywall({ amount, network })` is route middleware.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import { json, Router, type Request, type RequestHandler } from 'express'
import {
  ConfigurationError,
  createTollgate,
  type PaywallOptions,
  type PrepaidPlan,
  type Tollgate,
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

export interface ExpressTollgate {
  paywall(options: PaywallOptions): RequestHandler
  /** `GET /packages` and `POST /purchase`; mount at the configured prepaid path: `app.use('/prepaid', gate.prepaidRoutes())`. */
  prepaidRoutes(): Router
  /** Revoke credentials and read their remaining calls (present when `prepaid` is configured). */
  readonly prepaid?: PrepaidPlan
  readonly core: Tollgate
}

export function tollgate(config: TollgateConfig): ExpressTollgate {
  const core = createTollgate(config)
  return {
    core,
    ...(core.prepaid ? { prepaid: core.prepaid } : {}),
    prepaidRoutes(): Router {
      const plan = core.prepaid
      if (!plan) throw new ConfigurationError(['prepaidRoutes() needs `prepaid` in the tollgate configuration'])
      const router = Router()
      router.get('/packages', (req, res) => sendAnswer(res, plan.packages(nodeRequestLike(req, urlOf(req)))))
      const purchase: RequestHandler = (req, res, next) => {
        plan.purchase(nodeRequestLike(req, urlOf(req)), req.body).then((answer) => sendAnswer(res, answer), next)
      }
      router.post('/purchase', jsonBody, purchase)
      router.options('/purchase', purchase)
      return router
    },
    paywall(options: PaywallOptions): RequestHandler {
      const gate = core.route(options)
      return (req, res, next) => {
        void runGate(gate, nodeRequestLike(req, urlOf(req)), res, {
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

const parseJson = json({ limit: '16kb' })

/** A body that is not JSON is the buyer's mistake: a 400 with a reason, not Express's HTML error page. */
const jsonBody: RequestHandler = (req, res, next) => {
  parseJson(req, res, (error?: unknown) => {
    if (error) sendAnswer(res, { status: 400, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: 'invalid_payload', message: 'The request body is not valid JSON.' } })
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
