/**
 * The one bridge between Web-standard Request/Response and the core, shared by the Next.js and
 * fetch adapters. A Response's body is a stream nobody reads until the Response is returned, so
 * holding a handler's output until the payment settles needs no capture: only not returning early.
 * Nothing of the body is read or buffered before settlement, so the route's cap on held bytes
 * (`hold`) has nothing to bound here: the producer is simply not pulled until the buyer reads.
 * Nothing here touches a Node API (whether the core does decides where it runs: see the README).
 */
import {
  answerText,
  ConfigurationError,
  createTollgate,
  mergeHeaders,
  readWebJsonBody,
  type HttpAnswer,
  type PaymentGate,
  type PaymentPass,
  type PaywallOptions,
  type Tollgate,
  type TollgateConfig,
  type VerifiedPayment,
} from '../src/index.js'
import { webRequestLike } from './web-request.js'

/** The protected handler: the request and the payment that let it in. */
export type PaidHandler<Req extends Request = Request> = (request: Req, payment: VerifiedPayment) => Response | Promise<Response>

/**
 * The seller's configuration, or a function returning it: called at the first paid request, so
 * importing a route module (as `next build` does) needs no secrets in the environment.
 */
export type ConfigSource = TollgateConfig | (() => TollgateConfig)

const payments = new WeakMap<Request, VerifiedPayment>()

/** The verified payment of a request the paywall let in (for handlers that only see the request). */
export function paymentOf(request: Request): VerifiedPayment | undefined {
  return payments.get(request)
}

/**
 * A configuration object is checked now (errors at import); a function is called and checked at the
 * first request that needs it, and again at each later one until it gives a valid configuration.
 * Its failure is a ConfigurationError that says it came from the lazy configuration and lists what
 * is missing; it goes to the configuration's `logger` when there is one, and is thrown on to the
 * framework, which logs it and answers 500 without its text (it may name an RPC URL).
 */
export function webTollgate(source: ConfigSource) {
  let core = typeof source === 'function' ? undefined : createTollgate(source)
  const coreNow = () => (core ??= lazyCore(source as () => TollgateConfig))
  return {
    core: coreNow as () => Tollgate,
    route(options: PaywallOptions): () => PaymentGate {
      let gate = core?.route(options)
      return () => (gate ??= coreNow().route(options))
    },
  }
}

function lazyCore(source: () => TollgateConfig): Tollgate {
  let config: TollgateConfig
  try {
    config = source()
  } catch (error) {
    throw new ConfigurationError([`the configuration function given to tollgate() threw at the first request: ${messageOf(error)}`])
  }
  try {
    return createTollgate(config)
  } catch (error) {
    const problems = error instanceof ConfigurationError ? error.problems : [messageOf(error)]
    const lazy = new ConfigurationError(problems.map((problem) => `${problem} (in the configuration function given to tollgate(), read at the first request)`))
    try {
      config?.logger?.error?.('tollgate configuration is invalid', { problems: lazy.problems })
    } catch {
      // A broken logger must not hide the configuration error itself.
    }
    throw lazy
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Answers `GET <prepaid path>/packages` and `POST <prepaid path>/purchase`; a 404 for anything
 * else. The purchase body is read with a byte cap (a larger one is cancelled unread), so nobody can
 * make the seller pull megabytes.
 */
export async function servePrepaid(core: Tollgate, request: Request): Promise<Response> {
  const plan = core.requirePrepaid()
  if (!plan.handles(request.method, new URL(request.url).pathname)) return answerToResponse({ status: 404, headers: JSON_TYPE, body: { error: 'not_found' } })
  const body = request.method === 'POST' ? await readWebJsonBody(request) : ({ ok: true, value: undefined } as const)
  if (!body.ok) return answerToResponse(body.answer)
  const answer = await plan.route(request, body.value)
  return answer ? answerToResponse(answer) : answerToResponse({ status: 404, headers: JSON_TYPE, body: { error: 'not_found' } })
}

/** `GET /.well-known/x402` (the listing, free); a 404 for anything else. A HEAD gets the headers only. */
export async function serveDiscoveryListing(core: Tollgate, request: Request): Promise<Response> {
  const answer = core.discovery(webRequestLike(request))
  if (!answer) return answerToResponse({ status: 404, headers: JSON_TYPE, body: { error: 'not_found' } })
  return request.method === 'HEAD' ? new Response(null, { status: answer.status, headers: answer.headers }) : answerToResponse(answer)
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' }

export function answerToResponse(answer: HttpAnswer): Response {
  return new Response(answerText(answer), { status: answer.status, headers: answer.headers })
}

/**
 * Evaluates the route's gate (built on first use, see `webTollgate`) for one request and runs the
 * handler under the route's settlement policy. A configuration error rejects, it never throws: the
 * framework answers 500 and logs it (its text may name the RPC URL, so it is never sent to a buyer).
 */
export async function servePaid<Req extends Request>(gate: () => PaymentGate, request: Req, handler: PaidHandler<Req>): Promise<Response> {
  const decision = await gate().evaluate(webRequestLike(request))
  if (decision.type !== 'pass') return answerToResponse(decision)
  if (request.signal?.aborted) {
    // Verification takes round trips to the chain; a buyer gone by now gets nothing, so pays nothing.
    await decision.abandon()
    return clientLeft()
  }
  payments.set(request, decision.payment)
  // Only the exact policy settles first: anything else, a misspelt policy included, is settled after.
  return decision.policy === 'before-handler' ? settleFirst(decision, request, handler) : settleAfter(decision, request, handler)
}

/** What a request gets when its buyer left before the answer was ready: nobody reads it (nginx's 499). */
function clientLeft(): Response {
  return new Response(null, { status: 499 })
}

async function settleFirst<Req extends Request>(pass: PaymentPass, request: Req, handler: PaidHandler<Req>): Promise<Response> {
  const outcome = await pass.settle()
  if (!outcome.ok) return answerToResponse(outcome)
  if (request.signal?.aborted) {
    // Charged on chain already (documented); a prepaid call is given back, as nothing was sent.
    await pass.complete?.(500)
    return clientLeft()
  }
  let response: Response
  try {
    response = await handler(request, pass.payment)
  } catch (error) {
    await pass.complete?.(500)
    throw error
  }
  await pass.complete?.(response.status)
  // Charged already: whatever the handler answers carries the settlement, so the buyer can prove it paid.
  return withHeaders(response, outcome.headers)
}

async function settleAfter<Req extends Request>(pass: PaymentPass, request: Req, handler: PaidHandler<Req>): Promise<Response> {
  let response: Response
  try {
    response = await handler(request, pass.payment)
  } catch (error) {
    await pass.abandon()
    throw error // the framework answers 500, as it would without a paywall
  }
  if (response.status >= 400) {
    await pass.abandon()
    return response
  }
  if (request.signal?.aborted) {
    // The buyer left before the answer was ready, as the Node bridge treats a closed socket: no charge.
    await pass.abandon()
    discard(response)
    return clientLeft()
  }
  const outcome = await pass.settle()
  if (!outcome.ok) {
    discard(response)
    return answerToResponse(outcome)
  }
  return withHeaders(response, outcome.headers)
}

/** Stops a streaming handler whose output will never be sent. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined)
}

/** A copy with `headers` added: a handler's Response may have immutable headers (one it fetched, say). */
function withHeaders(response: Response, headers: Record<string, string>): Response {
  const copy = new Response(response.body, response)
  for (const [name, value] of Object.entries(mergeHeaders(headers, (n) => copy.headers.get(n) ?? undefined))) copy.headers.set(name, value)
  return copy
}
