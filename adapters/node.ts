/**
 * The one bridge between Node's http objects and the framework-free core, shared by the Express,
 * Koa and Fastify adapters: the gate's decision carried out on a Node response. Its parts: the
 * request (node-request.ts), tollgate's own answers (node-answer.ts) and the held response (node-hold.ts).
 */
import type { ServerResponse } from 'node:http'
import type { HttpAnswer, PaymentDecision, PaymentGate, PaymentPass, RequestLike, VerifiedPayment } from '../src/index.js'
import { sendAnswer, setHeaders } from './node-answer.js'
import { holdUntilSettled } from './node-hold.js'
import { DISCOVERY_PATH } from '../src/discovery/index.js'

export { discardBody, keepHeaders, sendAnswer, setHeaders, type HeaderBag } from './node-answer.js'
export { holdUntilSettled, RESPONSE_TOO_LARGE, type Hold } from './node-hold.js'
export { nodeRequestLike, NodeRequestBase } from './node-request.js'
export { bytesOfParsed } from './node-read-body.js'

/** A cheap first look before the core's discovery answer: only GET/HEAD of the well-known path can be one. */
export function isDiscoveryPath(method: string | undefined, url: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && (url ?? '').split('?', 1)[0] === DISCOVERY_PATH
}

/**
 * Whether a pass is charged before its handler runs. Only the exact policy says so: anything else,
 * a misspelt policy included, is held and settled after, so no value can skip both.
 */
export function settlesFirst(pass: PaymentPass): boolean {
  return pass.policy === 'before-handler'
}

/** Whether the buyer has hung up (the socket is closed or closing), judged from the response. */
export function clientLeft(res: ServerResponse): boolean {
  const socket = res.req?.socket
  // `=== true` / `=== false`: an in-process request (Fastify's inject) has a stand-in socket without these.
  return res.destroyed || socket?.destroyed === true || socket?.writable === false
}

/** What a request gets when its buyer left before the handler ran: nobody reads it (nginx's 499). */
export const CLIENT_LEFT: Readonly<HttpAnswer> = Object.freeze({ status: 499, headers: {}, body: null })

/** How a framework answers a request that has not reached its handler. */
export interface AnswerTarget {
  send(answer: HttpAnswer): void
  setHeaders(headers: Record<string, string>): void
  /** Whether the buyer is gone (see `clientLeft`). */
  left(): boolean
}

/**
 * Evaluates the gate and answers everything that is not a pass: a challenge, a refusal, a
 * preflight, a failed settle-first, a buyer who left while the payment was being verified.
 * Returns the pass when the handler should run; a bug throws.
 */
export async function admit(gate: PaymentGate, request: RequestLike, target: AnswerTarget): Promise<PaymentPass | undefined> {
  const decision = await gate.evaluate(request)
  if (decision.type !== 'pass') {
    target.send(decision)
    return undefined
  }
  return admitPass(decision, target)
}

/**
 * The part of `admit` after a pass (an adapter answers the other decisions itself, so a 402 builds
 * no target): a buyer who left gets nothing and pays nothing; a settle-first pass is settled here.
 */
export async function admitPass(decision: PaymentPass, target: AnswerTarget): Promise<PaymentPass | undefined> {
  if (target.left()) {
    // Verification takes round trips to the chain; a buyer gone by now gets nothing, so pays nothing.
    await decision.abandon()
    target.send(CLIENT_LEFT)
    return undefined
  }
  if (settlesFirst(decision)) {
    const outcome = await decision.settle()
    if (!outcome.ok) {
      target.send(outcome)
      return undefined
    }
    if (target.left()) {
      // Charged on chain already (documented); a prepaid call is given back, as nothing was sent.
      await decision.complete?.(500)
      target.send(CLIENT_LEFT)
      return undefined
    }
    target.setHeaders(outcome.headers)
  }
  return decision
}

/** An answer the framework has built but not yet sent (Koa after `next()`, Fastify in `onSend`). */
export interface PendingAnswer {
  readonly status: number
  setHeaders(headers: Record<string, string>): void
  /** Discards everything the handler set (status, headers, body) and answers this instead. */
  replace(answer: HttpAnswer): void
}

/**
 * Settles for an answer the framework still holds: a failed handler (threw, or >= 400) frees the
 * payment and its answer goes out as it is; a settled one gets the settlement headers; a failed
 * settlement replaces the handler's answer entirely.
 */
export async function settlePending(pass: PaymentPass, pending: PendingAnswer, threw = false): Promise<void> {
  if (settlesFirst(pass)) return
  if (threw || pending.status >= 400) return pass.abandon()
  const outcome = await pass.settle()
  if (outcome.ok) pending.setHeaders(outcome.headers)
  else pending.replace(outcome)
}

export interface NodeGateHooks {
  /** Runs the protected handler (Express: `next()`). */
  proceed(payment: VerifiedPayment): void
  /** A bug in the core: hand it to the framework's error path. */
  fail(error: unknown): void
}

/**
 * Evaluates the gate for one request and carries the decision out on a Node response. A decision
 * that is not a pass is answered at once; a throw of the core or of the answer goes to `fail`.
 */
export async function runGate(gate: PaymentGate, request: RequestLike, res: ServerResponse, hooks: NodeGateHooks): Promise<void> {
  // An async function, not .then() callbacks: it allocates no closure per request.
  let decision: PaymentDecision
  try {
    decision = await gate.evaluate(request)
  } catch (error) {
    hooks.fail(error)
    return
  }
  if (decision.type === 'pass') return runPass(decision, res, hooks)
  try {
    sendAnswer(res, decision)
  } catch (error) {
    hooks.fail(error)
  }
}

async function runPass(decision: PaymentPass, res: ServerResponse, hooks: NodeGateHooks): Promise<void> {
  let pass: PaymentPass | undefined
  try {
    pass = await admitPass(decision, new ResponseTarget(res))
  } catch (error) {
    hooks.fail(error)
    return
  }
  if (!pass) return
  if (settlesFirst(pass)) reportCompletion(res, pass)
  else holdUntilSettled(res, pass)
  hooks.proceed(pass.payment)
}

/** A Node response as an AnswerTarget (a class: no closures per request). */
class ResponseTarget implements AnswerTarget {
  constructor(private readonly res: ServerResponse) {}

  send(answer: HttpAnswer): void {
    sendAnswer(this.res, answer)
  }

  setHeaders(headers: Record<string, string>): void {
    setHeaders(this.res, headers)
  }

  left(): boolean {
    return clientLeft(this.res)
  }
}

/**
 * For a pass settled first, reports the outcome once the response is over: the handler's status
 * when anything was sent (a buyer who hangs up after the answer began has had it), 500 when the
 * response closed before anything was sent. So a prepaid call comes back only when the handler
 * failed (threw: the framework answers 500; or answered >= 400) or nothing was sent.
 */
export function reportCompletion(res: ServerResponse, pass: PaymentPass): void {
  if (!pass.complete) return
  // Koa reports a handler that bypassed it only after it returned: its response may be over already.
  if (res.destroyed) return void pass.complete(res.headersSent ? res.statusCode : 500)
  // The pass rides on the response and one shared listener reads it: no closure per prepaid call.
  // (Two paywalls on one route may both settle first: each pass is reported.)
  const carrier = res as PassCarrier
  const earlier = carrier[COMPLETES]
  if (earlier !== undefined) {
    carrier[COMPLETES] = [...(Array.isArray(earlier) ? earlier : [earlier]), pass]
    return
  }
  carrier[COMPLETES] = pass
  // 'close' comes once per response: `on` spares the wrapper `once` builds.
  res.on('close', completeOnClose)
}

const COMPLETES = Symbol('tollgate: passes to complete')
type PassCarrier = ServerResponse & { [COMPLETES]?: PaymentPass | PaymentPass[] }

function completeOnClose(this: PassCarrier): void {
  const passes = this[COMPLETES]
  this[COMPLETES] = undefined
  const status = this.headersSent ? this.statusCode : 500
  for (const pass of Array.isArray(passes) ? passes : passes ? [passes] : []) void pass.complete?.(status)
}
