/**
 * One generation of the gateway: a Fastify app built from one configuration, with tollgate's own
 * Fastify adapter as the paywall and @fastify/reply-from (undici) forwarding to the upstream.
 * Fastify's router matches the configured method + path patterns; the adapter holds every paid
 * answer in `onSend` until it settles (nothing reaches the buyer before), frees the payment when the
 * upstream answers >= 400, and settles first for 'before-handler' routes. Before it settles, the
 * upstream's body is read whole within the route's held-bytes cap (hold-upstream.ts), so a body the
 * upstream breaks off is a failed answer, not a charged one.
 * A reload builds a new generation over the same shared parts and swaps it in.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import replyFrom from '@fastify/reply-from'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tollgate, serveAnswer } from '../../adapters/fastify.js'
import { Readable } from 'node:stream'
import { combineHooks, DEFAULT_HOLD, forwardedFor, rateLimits, Reason, reasonMessages, type HoldPolicy, type Logger, type PaywallOptions, type TollgateConfig } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { allowList, downstreamHeaders, upstreamHeaders } from './forward-headers.js'
import { gatewayAnswer, GatewayReason, upstreamFailure } from './gateway-answers.js'
import { holdUpstreamAnswer } from './hold-upstream.js'
import { pathProblem } from './path-guard.js'
import { problemsOf } from './problems-of.js'
import type { SharedParts } from './shared-parts.js'
import type { GatewayConfig, GatewayRoute } from './gateway-config.js'
import type { Env } from './config-problems.js'

export interface Generation {
  handle(req: IncomingMessage, res: ServerResponse): void
  readonly config: GatewayConfig
  close(): Promise<void>
}

/** Builds a generation, or adds to `problems` everything the library refused (routes, prices, networks, prepaid). */
export async function buildGeneration(config: GatewayConfig, shared: SharedParts, env: Env, logger: Logger, problems: string[]): Promise<Generation | undefined> {
  const before = problems.length
  const limits = config.limits && (config.limits.perPayer || config.limits.perIp || config.limits.perRoute)
    ? collect(problems, () =>
        rateLimits({
          store: shared.store,
          ...(config.limits?.perPayer ? { perPayer: config.limits.perPayer } : {}),
          ...(config.limits?.perRoute ? { perRoute: config.limits.perRoute } : {}),
          // The gateway appends the socket's address to X-Forwarded-For (see onRequest below).
          ...(config.limits?.perIp ? { perIp: { ...config.limits.perIp, clientIp: forwardedFor({ proxies: 1 + (config.limits?.trustedProxies ?? 0) }) } } : {}),
          logger,
        }),
      )
    : undefined
  const plan = config.prepaid
    ? prepaid({ secret: env[config.prepaid.secretEnv] as string, packages: config.prepaid.packages.map(({ price, network, ...rest }) => ({ ...rest, price: { amount: price, network } })), ...(config.prepaid.path ? { path: config.prepaid.path } : {}) })
    : undefined
  const tollgateConfig = {
    ...(config.payTo ? { payTo: config.payTo } : {}),
    ...(shared.settler ? { settler: shared.settler } : { facilitator: shared.facilitators }),
    store: shared.store,
    // The store above is explicit: a memory store is this process's, and the summary says so.
    singleInstance: true,
    ...(config.networks ? { networks: config.networks } : {}),
    ...(config.defaults ? { defaults: config.defaults } : {}),
    ...(plan ? { prepaid: plan } : {}),
    hooks: combineHooks(limits?.hooks, shared.metrics?.hooks, shared.health?.hooks),
    logger,
  } as TollgateConfig
  const gate = collect(problems, () => tollgate(tollgateConfig))
  if (!gate) return undefined
  const paywalls = new Map<GatewayRoute, ReturnType<typeof gate.paywall>>()
  for (const route of config.routes) {
    if (!route.paywall) continue
    const paywall = collect(problems, () => gate.paywall(route.paywall as PaywallOptions), `${route.label}: `)
    if (paywall) paywalls.set(route, paywall)
  }
  if (problems.length > before) return undefined

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const app = Fastify({
    logger: false,
    bodyLimit: config.forward.maxBodyBytes,
    // A generation never listens: the process's one server hands it requests (so a reload swaps apps, not sockets).
    serverFactory: (h) => {
      handler = h
      return createServer()
    },
    // Matching errs towards the paid route: an upstream that ignores case or extra slashes must not serve `/DATA` or `//data` free.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false },
    // From these proxies only, X-Forwarded-Proto and -Host make the resource URL of the challenges (trust-proxy.ts).
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
  })
  const { origin, pathname } = new URL(config.target)
  const prefix = pathname.replace(/\/+$/, '')
  await app.register(replyFrom, {
    base: origin,
    disableRequestLogging: true,
    undici: { headersTimeout: config.forward.timeoutMs, bodyTimeout: config.forward.bodyTimeoutMs, connect: { timeout: config.forward.timeoutMs } },
  })
  app.addHook('onRequest', async (request, reply) => {
    const problem = pathProblem(request.raw.url ?? '/')
    if (problem) return reply.code(400).headers(problem.headers).send(JSON.stringify(problem.body))
    // The client's address, appended as each proxy does: forwarded upstream and read by perIp limits.
    const prior = request.raw.headers['x-forwarded-for']
    const address = request.raw.socket.remoteAddress ?? 'unknown'
    request.raw.headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${address}` : address
  })
  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    const answer = gatewayAnswer(error.statusCode === 413 ? 'request_too_large' : error.statusCode === 400 ? 'bad_request' : 'gateway_error')
    if (answer.status === 502 || (error.statusCode ?? 500) >= 500) logger.error?.('tollgate gateway: request failed', { code: error.code })
    return reply.code(answer.status).headers(answer.headers).send(JSON.stringify(answer.body))
  })
  // Runs before the paywall's own onSend (hooks run in the order they were added): the upstream's body
  // is read whole (within the cap) so the paywall settles only an answer that arrived complete.
  const holds = new WeakMap<FastifyRequest, HoldPolicy>()
  const fromUpstream = new WeakMap<FastifyRequest, string[]>()
  app.addHook('onSend', async (request, reply, payload) => {
    const hold = holds.get(request)
    if (!hold || !(payload instanceof Readable) || reply.statusCode >= 400) return payload
    const held = await holdUpstreamAnswer(payload, hold)
    // The upstream's content-length (if any) stays: the body arrived whole, so it is exact.
    if (held.kind === 'whole') return held.body
    if (held.kind === 'overflow' && hold.overflow === 'settle') return held.stream
    payload.destroy()
    for (const name of fromUpstream.get(request) ?? []) reply.removeHeader(name)
    const answer = held.kind === 'broken' ? gatewayAnswer(GatewayReason.upstreamUnavailable) : tooLarge
    logger.warn?.('tollgate gateway: the upstream answer was not delivered; nothing charged', { reason: (answer.body as { error: string }).error })
    reply.code(answer.status).headers(answer.headers)
    return JSON.stringify(answer.body)
  })
  await app.register(gate.plugin)
  if (plan) await app.register(gate.prepaidRoutes)
  if (config.metrics && shared.metrics) app.get(config.metrics.path, serveAnswer(shared.metrics.scrape))
  if (config.health && shared.health) app.get(config.health.path, serveAnswer(shared.health.answer))

  const allow = allowList(config.forward.headers)
  const forward = (label: string, hold?: HoldPolicy) => (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw
    const payment = request.payment
    // Held whole only while a charge is pending: settled first (before-handler) or prepaid, it streams.
    if (hold && payment && !payment.transaction && payment.scheme !== 'prepaid' && raw.method !== 'HEAD') holds.set(request, hold)
    const body = Buffer.isBuffer(request.body) && raw.method !== 'GET' && raw.method !== 'HEAD' ? request.body : undefined
    return reply.from(`${prefix}${raw.url ?? '/'}`, {
      ...(body ? { body, contentType: raw.headers['content-type'] ?? 'application/octet-stream' } : {}),
      rewriteRequestHeaders: (_request, headers) => ({
        ...upstreamHeaders(raw.headers, allow, { forwardedFor: raw.headers['x-forwarded-for'] as string | undefined, proto: request.protocol, host: request.host, payment: request.payment, route: label }),
        host: headers.host as string,
        ...(headers['content-length'] !== undefined ? { 'content-length': String(headers['content-length']) } : {}),
        ...(body ? { 'content-type': headers['content-type'] as string } : {}),
      }),
      rewriteHeaders: (headers) => {
        const kept = downstreamHeaders(headers)
        fromUpstream.set(request, Object.keys(kept))
        return kept as typeof headers
      },
      // A forwarded request is sent once: a retried POST could act twice, and a paid request is paid once.
      retryDelay: () => null,
      onError: (failing, { error }) => {
        const answer = upstreamFailure(error)
        logger.warn?.('tollgate gateway: upstream failed', { route: label, status: answer.status, reason: (answer.body as { error: string }).error })
        failing.code(answer.status).headers(answer.headers).send(JSON.stringify(answer.body))
      },
    })
  }

  // Everything the upstream answers is forwarded as it comes: only the paywall and limits above shape it.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.forward.maxBodyBytes }, (_request, body, done) => done(null, body))
    for (const route of config.routes) {
      // Fastify answers HEAD through the GET route (paywall included): listing both would be a duplicate.
      const methods = route.methods.includes('GET') ? route.methods.filter((m) => m !== 'HEAD') : route.methods
      const paywall = paywalls.get(route)
      try {
        scope.route({ method: methods, url: route.path, ...(paywall ? { preHandler: paywall } : {}), handler: forward(route.paywall?.name ?? route.label, holdOf(route, config)) })
      } catch (error) {
        problems.push(`${route.label}: ${(error as Error).message}`)
      }
    }
    scope.setNotFoundHandler((request, reply) => {
      if (config.unmatched === 'proxy') return forward('unmatched')(request, reply)
      const answer = gatewayAnswer('route_not_found')
      return reply.code(answer.status).headers(answer.headers).send(JSON.stringify(answer.body))
    })
  })
  try {
    await app.ready()
  } catch (error) {
    problems.push(...(error && typeof error === 'object' && 'problems' in error ? problemsOf(error) : [(error as Error).message]))
  }
  if (problems.length > before || !handler) {
    await app.close().catch(() => undefined)
    return undefined
  }
  shared.setCore(gate.core)
  const serve = handler
  return { handle: (req, res) => serve(req, res), config, close: () => closeApp(app) }
}

const tooLarge = {
  status: 502,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: { error: Reason.responseTooLarge, message: reasonMessages[Reason.responseTooLarge] },
}

/** The route's held-bytes cap: the library's default, under `defaults.hold`, under the route's own `hold`. */
function holdOf(route: GatewayRoute, config: GatewayConfig): HoldPolicy {
  const defaults = (config.defaults?.hold ?? {}) as Partial<HoldPolicy>
  const own = ((route.paywall as { hold?: Partial<HoldPolicy> } | null)?.hold ?? {}) as Partial<HoldPolicy>
  return { ...DEFAULT_HOLD, ...defaults, ...own }
}

async function closeApp(app: FastifyInstance): Promise<void> {
  await app.close()
}

/** Runs a library constructor, turning its ConfigurationError into problems (prefixed with where it came from). */
function collect<T>(problems: string[], build: () => T, prefix = ''): T | undefined {
  try {
    return build()
  } catch (error) {
    problems.push(...problemsOf(error).map((problem) => `${prefix}${problem}`))
    return undefined
  }
}
