/**
 * Express (5, and 4) adapter: `gate.paywall({ amount, network })` is route middleware.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import type { Request, RequestHandler } from 'express'
import { createTollgate, type PaywallOptions, type Tollgate, type TollgateConfig, type VerifiedPayment } from '../src/index.js'
import { nodeRequestLike, runGate } from './node.js'

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified payment of this request, set by `paywall()` before the handler runs. */
    payment?: VerifiedPayment
  }
}

export interface ExpressTollgate {
  paywall(options: PaywallOptions): RequestHandler
  readonly core: Tollgate
}

export function tollgate(config: TollgateConfig): ExpressTollgate {
  const core = createTollgate(config)
  return {
    core,
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

/** Uses Express's own protocol and host, so `trust proxy` settings decide what the buyer sees as the resource. */
function urlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
}

export type { PaywallOptions, TollgateConfig, VerifiedPayment } from '../src/index.js'
export { localSettler, memoryStore } from '../src/index.js'
