/**
 * Fastify (5) adapter: register `gate.plugin` once, then protect a route with
 * `{ preHandler: gate.paywall({ amount, network }) }`; the handler finds `request.payment`. The plugin's
 * `onSend` hook settles while the payload (string, Buffer or stream) has not left yet.
 * Translation only; the behaviour lives in the core and the Node bridge.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteShorthandOptionsWithHandler } from 'fastify'
import {
  answerText,
  ConfigurationError,
  createTollgate,
  JSON_BODY_LIMIT_BYTES,
  jsonBodyRefusal,
  type AdapterTollgate,
  mergeHeaders,
  type HttpAnswer,
  type PaymentPass,
  type PaywallOptions,
  type PrepaidPlan,
  type TollgateConfig,
  type VerifiedPayment,
} from '../src/index.js'
import { DISCOVERY_PATH } from '../src/discovery/index.js'
import { produceAnswer, servableText, type AnswerProducer } from './serve-answer.js'
import { admitPass, bytesOfParsed, clientLeft, discardBody, holdUntilSettled, keepHeaders, NodeRequestBase, nodeRequestLike, reportCompletion, setHeaders, settlePending, settlesFirst, type Hold } from './node.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified payment of this request, set by `paywall()` before the handler runs. */
    payment?: VerifiedPayment
  }
}

/** A request the paywall let in: its payment is there, not optional. */
export type PaidFastifyRequest = FastifyRequest & { payment: VerifiedPayment }

/** A protected handler: Fastify's, with `request.payment` typed as present. */
export type PaidRouteHandler = (request: PaidFastifyRequest, reply: FastifyReply) => unknown

/** `{ preHandler: gate.paywall({...}) }` on a route; `fastify.register(gate.prepaidRoutes)`. */
export interface FastifyTollgate extends Omit<AdapterTollgate<preHandlerAsyncHookHandler, never>, 'prepaidRoutes'> {
  /** Registers the hooks that settle (`fastify.register(gate.plugin)`); it applies to the scope it is registered in. */
  readonly plugin: FastifyPluginCallback
  /** A plugin registering the prepaid endpoints. */
  readonly prepaidRoutes: FastifyPluginCallback
  /** A plugin registering `GET /.well-known/x402`: the listing of every paywalled route, free. */
  readonly discoveryRoutes: FastifyPluginCallback
  /**
   * Route options with the paywall as preHandler and the handler typed with `request.payment` present:
   * `app.get('/data', gate.paid({ amount, network }, async (request) => ({ payer: request.payment.payer })))`.
   */
  paid(options: PaywallOptions, handler: PaidRouteHandler): RouteShorthandOptionsWithHandler
}

interface Pending {
  pass: PaymentPass
  hold: Hold
  restoreHeaders(): void
}

export function tollgate(config: TollgateConfig): FastifyTollgate {
  const core = createTollgate(config)
  // Per gate, so two gates in one app each settle only their own routes.
  // Request decorations under this gate's own symbols rather than WeakMaps: set on every request, and
  // a WeakMap would first give each request object an identity hash.
  const ARMED = Symbol('tollgate: plugin hooks run')
  const HELD = Symbol('tollgate: answer held')
  const failed = new WeakSet<FastifyRequest>()
  const marks = (request: FastifyRequest) => request as unknown as { [ARMED]?: boolean; [HELD]?: Pending }

  /**
   * The setup check (app.ready() rejects when a paywalled route's scope lacks the plugin). Fastify
   * binds every hook of every route to the route's instance when it boots (the 'preReady' step, whose
   * errors reject ready()), the plugin's onRequest hook before any preHandler: so the plugin's hook
   * records the instances it covers and paywall()'s preHandler checks its own instance there.
   */
  const covered = new WeakSet<object>()
  const coverScope = <F extends (...args: never[]) => unknown>(hook: F): F =>
    Object.assign(hook, {
      bind(this: F, scope: object, ...rest: unknown[]) {
        covered.add(scope)
        return Function.prototype.bind.call(hook, scope, ...rest)
      },
    })
  const requireCovered = <F extends (...args: never[]) => unknown>(hook: F, options: PaywallOptions): F =>
    Object.assign(hook, {
      bind(this: F, scope: object, ...rest: unknown[]) {
        if (!covered.has(scope)) throw uncovered(scope, options)
        return Function.prototype.bind.call(hook, scope, ...rest)
      },
    })

  const plugin: FastifyPluginCallback = (fastify, _options, done) => {
    if (!fastify.hasRequestDecorator('payment')) fastify.decorateRequest('payment', undefined)
    if (!fastify.hasRequestDecorator(ARMED)) fastify.decorateRequest(ARMED, false)
    if (!fastify.hasRequestDecorator(HELD)) fastify.decorateRequest(HELD, undefined)
    // Proves to paywall() that this plugin's onSend will run for the route.
    fastify.addHook('onRequest', coverScope((request, _reply, next) => {
      marks(request)[ARMED] = true
      next()
    }))
    fastify.addHook('onError', (request, _reply, _error, next) => {
      failed.add(request)
      next()
    })
    // Callback-style: a reply with nothing held (every 402) passes through without a promise; a held
    // one returns the settling promise, which Fastify awaits as it would an async hook's.
    fastify.addHook('onSend', (request, reply, payload, done) => {
      const held = marks(request)[HELD]
      if (!held) return done(null, payload)
      marks(request)[HELD] = undefined
      return settleHeld(held, request, reply, payload)
    })
    done()
  }

  async function settleHeld(held: Pending, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    // Not released: the handler wrote to reply.raw itself, or the client left; the hold owns the answer.
    if (!held.hold.release()) return payload
    let out = payload
    await settlePending(
      held.pass,
      {
        status: reply.statusCode,
        setHeaders: (headers) => void reply.headers(mergeHeaders(headers, (n) => reply.getHeader(n))),
        replace: (answer) => {
          discardBody(payload)
          held.restoreHeaders()
          out = answerWith(reply, answer)
        },
      },
      failed.has(request),
    )
    return out
  }

  // Like fastify-plugin, without the dependency: the hooks apply to the scope that registers the plugin.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'tollgate' })

  const prepaidRoutes: FastifyPluginCallback = (fastify, _options, done) => {
    let plan: PrepaidPlan
    try {
      plan = core.requirePrepaid()
    } catch (error) {
      return done(error as Error)
    }
    // Fastify parses a JSON body before the handler; a body it refuses (malformed, over the cap) is
    // answered in tollgate's words, as the other adapters answer it. This plugin's scope only.
    fastify.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
      if (error.statusCode !== 400 && error.statusCode !== 413) return reply.send(error)
      return reply.send(answerWith(reply, jsonBodyRefusal(error.statusCode)))
    })
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const answer = await plan.route(nodeRequestLike(request.raw, urlOf(request)), request.body)
      if (!answer) return reply.callNotFound()
      return reply.send(answerWith(reply, answer) ?? undefined)
    }
    fastify.route({ method: ['GET', 'HEAD'], url: `${plan.path}/packages`, handler, exposeHeadRoute: false })
    fastify.route({ method: ['POST', 'OPTIONS'], url: `${plan.path}/purchase`, handler, bodyLimit: JSON_BODY_LIMIT_BYTES })
    done()
  }

  const discoveryRoutes: FastifyPluginCallback = (fastify, _options, done) => {
    fastify.get(DISCOVERY_PATH, async (request, reply) => {
      const answer = core.discovery(nodeRequestLike(request.raw, urlOf(request)))
      if (!answer) return reply.callNotFound()
      return reply.send(answerWith(reply, answer) ?? undefined)
    })
    done()
  }

  // Named, not `this`: sellers destructure (`const { paid } = tollgate(...)`).
  const self: FastifyTollgate = {
    core,
    plugin,
    prepaidRoutes,
    discoveryRoutes,
    ...(core.prepaid ? { prepaid: core.prepaid } : {}),
    paid(options, handler) {
      const preHandler = self.paywall(options)
      return { preHandler, handler: (request, reply) => handler(request as PaidFastifyRequest, reply) }
    },
    paywall(options: PaywallOptions): preHandlerAsyncHookHandler {
      const gate = core.route(options)
      // One await and no closure per request: a 402 is answered as soon as the gate has decided.
      return requireCovered(async function tollgatePaywall(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
        if (marks(request)[ARMED] !== true) {
          // A paid route must never serve without settling: refuse before the handler runs.
          throw new ConfigurationError([`${request.method} ${request.url} uses gate.paywall() but gate.plugin is not registered for it: call fastify.register(gate.plugin) before its routes' scope`])
        }
        // Fastify has parsed the body by now: a body-dependent price reads it from request.body.
        const decision = await gate.evaluate(new FastifyRequestLike(request))
        if (decision.type === 'pass') return admitted(request, reply, decision)
        reply.send(answerWith(reply, decision) ?? undefined)
        return reply
      }, options)
    },
  }

  async function admitted(request: FastifyRequest, reply: FastifyReply, decision: PaymentPass): Promise<unknown> {
    const pass = await admitPass(decision, {
      send: (answer) => void reply.send(answerWith(reply, answer) ?? undefined),
      setHeaders: (headers) => {
        reply.headers(mergeHeaders(headers, (n) => reply.getHeader(n)))
        // On the raw response too: after reply.hijack() Fastify sends none of the reply's headers.
        setHeaders(reply.raw, headers)
      },
      left: () => clientLeft(reply.raw),
    })
    if (!pass) return reply
    request.payment = pass.payment
    if (settlesFirst(pass)) {
      // No hook for every request: the raw response reports the final status of this one.
      reportCompletion(reply.raw, pass)
      return
    }
    const bag = {
      getHeaders: () => reply.getHeaders(),
      removeHeader: (name: string) => void reply.removeHeader(name).raw.removeHeader(name),
      setHeader: (name: string, value: never) => void reply.header(name, value),
    }
    // reply.hijack() bypasses onSend: the raw response is held, as in Express.
    marks(request)[HELD] = { pass, hold: holdUntilSettled(reply.raw, pass), restoreHeaders: keepHeaders(bag) }
  }
  return self
}

/** The error app.ready() rejects with: which scope, and which paywall, lack the plugin. */
function uncovered(scope: object, options: PaywallOptions): ConfigurationError {
  const prefix = (scope as { prefix?: string }).prefix || '/'
  const amount = 'accepts' in options ? undefined : options.amount
  const price = 'accepts' in options ? `${options.accepts.length} payment options` : `${typeof amount === 'string' || typeof amount === 'bigint' ? `${amount} ` : ''}on ${options.network}`
  return new ConfigurationError([
    `a route under '${prefix}' uses gate.paywall() (${price}) but gate.plugin is not registered for it: call fastify.register(gate.plugin) in that scope or a parent, before app.ready()`,
  ])
}

/**
 * A seller endpoint of one line: `app.get('/metrics', serveAnswer(metrics.scrape))`. Needs no
 * plugin; a producer's error is thrown on to Fastify's error handling.
 */
export function serveAnswer(produce: AnswerProducer): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const answer = await produceAnswer(produce, nodeRequestLike(request.raw, () => urlOf(request)))
    return reply.code(answer.status).headers(answer.headers).send(servableText(answer))
  }
}

function urlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.originalUrl}`
}

/** The request as the core reads it: its URL built on first use, its body as Fastify parsed it. */
class FastifyRequestLike extends NodeRequestBase {
  constructor(private readonly request: FastifyRequest) {
    super(request.raw)
  }

  protected buildUrl(): string {
    return urlOf(this.request)
  }

  protected override parsedBody(): Uint8Array | undefined {
    return bytesOfParsed(this.request.body)
  }
}

/** Sets the answer's status and headers; returns its body serialised (null, not undefined: onSend keeps the old payload on undefined). */
function answerWith(reply: FastifyReply, answer: HttpAnswer): string | null {
  reply.code(answer.status).headers(answer.headers)
  return answerText(answer)
}

export type { PaywallOptions, TollgateConfig, VerifiedPayment, VerifiedPayment as Payment } from '../src/index.js'
export type { KnownNetworkName, NetworkName } from '../src/types/network-name.js'
export { ConfigurationError, localSettler, memoryStore } from '../src/index.js'
export { prepaid } from '../src/prepaid/index.js'
export type { AnswerProducer, ServableAnswer, TextAnswer } from './serve-answer.js'
