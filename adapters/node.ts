/**
 * The one bridge between Node's http objects and the framework-free core, shared by the Express,
 * Koa and Fastify adapters: IncomingMessage → RequestLike, the decision carried out, and a
 * ServerResponse whose whole output is held back until the payment is settled.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { answerText, mergeHeaders, type HttpAnswer, type PaymentGate, type PaymentPass, type RequestLike, type VerifiedPayment } from '../src/index.js'

/**
 * A RequestLike over Node headers (lower-cased by Node; repeated ones joined as the Fetch API does).
 * The URL may be given as a function: it is built only if an answer needs it (a paid call never
 * does). A class, not an object literal with a getter, because V8 keeps it fast on the hot path.
 */
class NodeRequest implements RequestLike {
  readonly method: string
  readonly headers: NodeHeaders
  private absoluteUrl: string | (() => string)

  constructor(req: IncomingMessage, absoluteUrl: string | (() => string)) {
    this.method = req.method ?? 'GET'
    this.headers = new NodeHeaders(req)
    this.absoluteUrl = absoluteUrl
  }

  get url(): string {
    if (typeof this.absoluteUrl === 'function') this.absoluteUrl = this.absoluteUrl()
    return this.absoluteUrl
  }
}

class NodeHeaders {
  constructor(private readonly req: IncomingMessage) {}

  get(name: string): string | null {
    const value = this.req.headers[name.toLowerCase()]
    if (value === undefined) return null
    return Array.isArray(value) ? value.join(', ') : value
  }
}

export function nodeRequestLike(req: IncomingMessage, absoluteUrl: string | (() => string)): RequestLike {
  return new NodeRequest(req, absoluteUrl)
}

export function sendAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = answer.status
  setHeaders(res, answer.headers)
  res.end(answerText(answer) ?? undefined)
}

/** How a framework answers a request that has not reached its handler. */
export interface AnswerTarget {
  send(answer: HttpAnswer): void
  setHeaders(headers: Record<string, string>): void
}

/**
 * Evaluates the gate and answers everything that is not a pass: a challenge, a refusal, a
 * preflight, a failed settle-first. Returns the pass when the handler should run; a bug throws.
 */
export async function admit(gate: PaymentGate, request: RequestLike, target: AnswerTarget): Promise<PaymentPass | undefined> {
  const decision = await gate.evaluate(request)
  if (decision.type !== 'pass') {
    target.send(decision)
    return undefined
  }
  if (decision.policy === 'before-handler') {
    const outcome = await decision.settle()
    if (!outcome.ok) {
      target.send(outcome)
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
  if (pass.policy === 'before-handler') return
  if (threw || pending.status >= 400) return pass.abandon()
  const outcome = await pass.settle()
  if (outcome.ok) pending.setHeaders(outcome.headers)
  else pending.replace(outcome)
}

export interface HeaderBag {
  getHeaders(): Record<string, unknown>
  removeHeader(name: string): void
  setHeader(name: string, value: never): void
}

/**
 * Remembers the headers set before the handler ran (CORS and the like from outer middleware) and
 * returns a function that puts exactly those back, dropping whatever the handler added or changed.
 */
export function keepHeaders(bag: HeaderBag): () => void {
  const before = { ...bag.getHeaders() }
  return () => {
    for (const name of Object.keys(bag.getHeaders())) bag.removeHeader(name)
    for (const [name, value] of Object.entries(before)) if (value !== undefined) bag.setHeader(name, value as never)
  }
}

/** Sets an answer's headers, extending (not replacing) the response's expose list. */
function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(mergeHeaders(headers, (n) => res.getHeader(n)))) res.setHeader(name, value)
}

/** Drops a held body the buyer will not get; a stream is stopped so its producer does not run on. */
export function discardBody(body: unknown): void {
  if (body instanceof Response) void body.body?.cancel().catch(() => undefined)
  else if (body instanceof ReadableStream) void body.cancel().catch(() => undefined)
  else if (typeof (body as { destroy?: unknown } | null)?.destroy === 'function') (body as { destroy(): void }).destroy()
}

export interface NodeGateHooks {
  /** Runs the protected handler (Express: `next()`). */
  proceed(payment: VerifiedPayment): void
  /** A bug in the core: hand it to the framework's error path. */
  fail(error: unknown): void
}

/** Evaluates the gate for one request and carries the decision out on a Node response. */
export async function runGate(gate: PaymentGate, request: RequestLike, res: ServerResponse, hooks: NodeGateHooks): Promise<void> {
  let pass: PaymentPass | undefined
  try {
    pass = await admit(gate, request, {
      send: (answer) => sendAnswer(res, answer),
      setHeaders: (headers) => setHeaders(res, headers),
    })
  } catch (error) {
    hooks.fail(error)
    return
  }
  if (!pass) return
  if (pass.policy === 'after-handler') holdUntilSettled(res, pass)
  else reportCompletion(res, pass)
  hooks.proceed(pass.payment)
}

/** For a pass settled first: the final status once the answer went out, 500 when the client left before. */
export function reportCompletion(res: ServerResponse, pass: PaymentPass): void {
  if (!pass.complete) return
  res.once('close', () => void pass.complete?.(res.writableFinished ? res.statusCode : 500))
}

type Chunk = { data: unknown; encoding?: BufferEncoding; status: number }
type Callback = (error?: Error | null) => void

export interface Hold {
  /**
   * Gives the response back untouched, for a framework that settles its own held answer. Returns
   * false, and keeps holding, when the handler wrote to the raw response itself (the hold settles
   * when it ends) or the client already left (the payment was freed).
   */
  release(): boolean
}

/**
 * Captures writeHead/write/end so nothing of the handler's answer reaches the socket before the
 * payment is settled. Then: a handler answer >= 400 is sent as it is, with nothing charged; a
 * successful settlement sends it with the settlement header; a failed one discards it entirely.
 */
export function holdUntilSettled(res: ServerResponse, pass: PaymentPass): Hold {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders }
  const chunks: Chunk[] = []
  const callbacks: Callback[] = []
  let head: unknown[] | undefined
  let ended = false
  let left = false
  // What outer middleware set (CORS, request ids) survives a failed settlement; the handler's headers do not.
  const restoreHeaders = keepHeaders({
    getHeaders: () => res.getHeaders(),
    removeHeader: (name) => res.removeHeader(name),
    setHeader: (name, value) => res.setHeader(name, value),
  })

  // A client that leaves before the handler ends is not charged.
  const onClose = () => {
    if (ended) return
    left = true
    void pass.abandon()
  }
  const restore = () => {
    Object.assign(res, original)
    res.off('close', onClose)
  }

  res.flushHeaders = () => undefined
  res.writeHead = ((...args: unknown[]) => {
    head = args
    if (typeof args[0] === 'number') res.statusCode = args[0]
    return res
  }) as ServerResponse['writeHead']
  res.write = ((data: unknown, encoding?: unknown, callback?: unknown) => {
    const cb = typeof encoding === 'function' ? encoding : callback
    chunks.push({ data, ...(typeof encoding === 'string' ? { encoding: encoding as BufferEncoding } : {}), status: res.statusCode })
    if (typeof cb === 'function') callbacks.push(cb as Callback)
    return true
  }) as ServerResponse['write']
  res.end = ((data?: unknown, encoding?: unknown, callback?: unknown) => {
    if (ended) return res
    ended = true
    const cb = [data, encoding, callback].find((a) => typeof a === 'function') as Callback | undefined
    if (data !== undefined && typeof data !== 'function') {
      chunks.push({ data, ...(typeof encoding === 'string' ? { encoding: encoding as BufferEncoding } : {}), status: res.statusCode })
    }
    if (cb) callbacks.push(cb)
    void finish()
    return res
  }) as ServerResponse['end']
  res.once('close', onClose)

  const flush = (keep: (chunk: Chunk) => boolean) => {
    restore()
    if (head) (original.writeHead as (...a: unknown[]) => void).apply(res, head)
    const kept = chunks.filter(keep)
    const last = kept.pop()
    const done = () => callbacks.forEach((cb) => cb())
    // Corked, with the last chunk given to end(): a one-chunk answer leaves in one write, as it would unheld.
    res.cork()
    for (const chunk of kept) {
      if (chunk.encoding) res.write(chunk.data as string, chunk.encoding)
      else res.write(chunk.data as Uint8Array)
    }
    if (!last) res.end(done)
    else if (last.encoding) res.end(last.data as string, last.encoding, done)
    else res.end(last.data as Uint8Array, done)
  }

  const finish = async () => {
    if (left) {
      // Already abandoned: settling now would charge for an answer nobody receives.
      restore()
      callbacks.forEach((cb) => cb())
      res.destroy()
      return
    }
    if (res.statusCode >= 400) {
      await pass.abandon()
      // Content written while the status still said success is paid content: a later error must not leak it.
      flush((chunk) => chunk.status >= 400)
      return
    }
    const outcome = await pass.settle()
    if (outcome.ok) {
      setHeaders(res, outcome.headers)
      flush(() => true)
      return
    }
    restore()
    restoreHeaders()
    callbacks.forEach((cb) => cb())
    sendAnswer(res, outcome)
  }

  return {
    release() {
      if (left || ended || head !== undefined || chunks.length > 0) return false
      restore()
      return true
    },
  }
}
