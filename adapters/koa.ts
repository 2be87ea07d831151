/**
 * Koa (3) adapter: `gate.paywall({ amount, network })` is middleware; the handler finds the payment
 * in `ctx.state.payment`. Koa sends nothing until every middleware has returned, so the answer is
 * settled after `await next()` while it still sits on `ctx`, streams included.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import type { Context, DefaultState, Middleware, Next, ParameterizedContext } from 'koa'
import {
  answerText,
  createTollgate,
  type AdapterTollgate,
  mergeHeaders,
  type HttpAnswer,
  type PaymentPass,
  type PaywallOptions,
  type TollgateConfig,
  type VerifiedPayment,
} from '../src/index.js'
import { readJsonBody } from './node-body.js'
import { produceAnswer, servableText, type AnswerProducer } from './serve-answer.js'
import { admitPass, bytesOfParsed, isDiscoveryPath, clientLeft, discardBody, holdUntilSettled, keepHeaders, NodeRequestBase, nodeRequestLike, reportCompletion, settlePending, settlesFirst } from './node.js'

declare module 'koa' {
  interface DefaultState {
    /** The verified payment of this request, set by `paywall()` before the downstream middleware runs. */
    payment?: VerifiedPayment
  }
}

/** The state of a request the paywall let in: its payment is there, not optional. */
export type PaidState = DefaultState & { payment: VerifiedPayment }

/** Koa's context of a request the paywall let in (`ctx.state.payment` present). */
export type PaidContext = ParameterizedContext<PaidState>

/** A protected handler: Koa middleware with `ctx.state.payment` typed as present. */
export type PaidMiddleware = (ctx: PaidContext, next: Next) => unknown

/** `router.get(path, gate.paywall({...}), handler)`; `app.use(gate.prepaidRoutes())`; `app.use(gate.discoveryRoutes())`. */
export type KoaTollgate = AdapterTollgate<Middleware, Middleware> & {
  /** Answers `GET /.well-known/x402` with the listing of every paywalled route, free; passes anything else on. */
  discoveryRoutes(): Middleware
  /**
   * The paywall and its handler as one middleware, the handler typed with `ctx.state.payment` present:
   * `router.get('/data', gate.paid({ amount, network }, (ctx) => { ctx.body = { payer: ctx.state.payment.payer } }))`.
   */
  paid(options: PaywallOptions, handler: PaidMiddleware): Middleware
}

export function tollgate(config: TollgateConfig): KoaTollgate {
  const core = createTollgate(config)
  // Named, not `this`: sellers destructure (`const { paid } = tollgate(...)`).
  const self: KoaTollgate = {
    core,
    ...(core.prepaid ? { prepaid: core.prepaid } : {}),
    prepaidRoutes(): Middleware {
      const plan = core.requirePrepaid()
      return async (ctx, next) => {
        if (!plan.handles(ctx.method, ctx.path)) return next()
        const request = nodeRequestLike(ctx.req, ctx.href)
        const body = await readJsonBody(ctx.req)
        const answer = body.ok ? await plan.route(request, body.value) : body.answer
        if (answer) answerWith(ctx, answer)
      }
    },
    discoveryRoutes(): Middleware {
      return async (ctx, next) => {
        const answer = isDiscoveryPath(ctx.method, ctx.url) ? core.discovery(nodeRequestLike(ctx.req, ctx.href)) : undefined
        if (answer) answerWith(ctx, answer)
        else await next()
      }
    },
    paid(options, handler) {
      const paywall = self.paywall(options)
      return (ctx, next) => paywall(ctx, async () => void (await handler(ctx as PaidContext, next)))
    },
    paywall(options: PaywallOptions): Middleware {
      const gate = core.route(options)
      // One await and no closure per request: a 402 is answered as soon as the gate has decided.
      return async (ctx, next) => {
        const decision = await gate.evaluate(new KoaRequest(ctx))
        if (decision.type === 'pass') return admitted(ctx, next, decision)
        answerWith(ctx, decision)
      }
    },
  }
  return self
}

async function admitted(ctx: Context, next: Next, decision: PaymentPass): Promise<void> {
  const pass = await admitPass(decision, {
    send: (answer) => answerWith(ctx, answer),
    setHeaders: (headers) => ctx.set(mergeHeaders(headers, (n) => ctx.response.get(n))),
    left: () => clientLeft(ctx.res),
  })
  if (!pass) return
  ctx.state.payment = pass.payment
  if (settlesFirst(pass)) {
    // The raw response reports how the answer ended, whether Koa sends it or a handler that bypassed Koa.
    reportCompletion(ctx.res, pass)
    try {
      await next()
    } catch (error) {
      // Failed, even if outer middleware turns the error into a success.
      await pass.complete?.(500)
      throw error
    }
    return
  }

  const restoreHeaders = keepHeaders(ctx.res)
  // A handler that bypasses Koa (`ctx.respond = false`) writes to ctx.res: held there, as in Express.
  const hold = holdUntilSettled(ctx.res, pass)
  try {
    await next()
  } catch (error) {
    hold.release()
    await pass.abandon()
    throw error
  }
  if (ctx.respond === false || !hold.release()) return
  await settlePending(pass, {
    status: ctx.status,
    setHeaders: (headers) => ctx.set(mergeHeaders(headers, (n) => ctx.response.get(n))),
    replace: (answer) => {
      discardBody(ctx.body)
      restoreHeaders()
      answerWith(ctx, answer)
    },
  })
}

/**
 * The request as the core reads it. ctx.href honours `app.proxy`, so the proxy settings decide the
 * resource the buyer sees (Koa 3's ctx.origin is the Origin request header, not this URL's origin).
 */
class KoaRequest extends NodeRequestBase {
  constructor(private readonly ctx: Context) {
    super(ctx.req)
  }

  protected buildUrl(): string {
    return this.ctx.href
  }

  protected override parsedBody(): Uint8Array | undefined {
    return parsedBody(this.ctx)
  }
}

/**
 * A seller endpoint of one line: `router.get('/metrics', serveAnswer(metrics.scrape))`. It answers
 * every request it is given (mount it on a route); a producer's error is thrown on to Koa.
 */
export function serveAnswer(produce: AnswerProducer): Middleware {
  return async (ctx) => {
    const answer = await produceAnswer(produce, nodeRequestLike(ctx.req, () => ctx.href))
    ctx.status = answer.status
    ctx.set(answer.headers)
    ctx.body = servableText(answer)
  }
}

/** A body koa-bodyparser read before the paywall: its raw text when it kept it, else the parsed value. */
function parsedBody(ctx: Context): Uint8Array | undefined {
  const request = ctx.request as { rawBody?: unknown; body?: unknown }
  return bytesOfParsed(typeof request.rawBody === 'string' ? request.rawBody : request.body)
}

function answerWith(ctx: Context, answer: HttpAnswer): void {
  ctx.status = answer.status
  ctx.set(answer.headers)
  // A string body keeps the answer's content-type (set just above); Koa would re-serialise an object each time.
  ctx.body = answerText(answer)
}

export type { PaywallOptions, TollgateConfig, VerifiedPayment, VerifiedPayment as Payment } from '../src/index.js'
export type { KnownNetworkName, NetworkName } from '../src/types/network-name.js'
export { ConfigurationError, localSettler, memoryStore } from '../src/index.js'
export { prepaid } from '../src/prepaid/index.js'
export type { AnswerProducer, ServableAnswer, TextAnswer } from './serve-answer.js'
