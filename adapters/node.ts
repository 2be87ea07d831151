/**
 * The one bridge between Node's http objects and the framework-free core, shared by the Express,
 * Koa and Fastify adapters: IncomingMessage → RequestLike, and a ServerResponse whose whole
 * output is held back until the payment is settled.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { HttpAnswer, PaymentGate, PaymentPass, RequestLike, VerifiedPayment } from '../src/index.js'

/** A RequestLike over Node headers (lower-cased by Node; repeated ones joined as the Fetch API does). */
export function nodeRequestLike(req: IncomingMessage, absoluteUrl: string): RequestLike {
  return {
    method: req.method ?? 'GET',
    url: absoluteUrl,
    headers: {
      get(name: string): string | null {
        const value = req.headers[name.toLowerCase()]
        if (value === undefined) return null
        return Array.isArray(value) ? value.join(', ') : value
      },
    },
  }
}

/** The request's absolute URL from the Host header and the socket (no proxy headers are trusted here). */
export function absoluteUrlOf(req: IncomingMessage): string {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  return `${encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`
}

export function sendAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = answer.status
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
  res.end(answer.body === null ? undefined : JSON.stringify(answer.body))
}

export interface NodeGateHooks {
  /** Runs the protected handler (Express: `next()`). */
  proceed(payment: VerifiedPayment): void
  /** A bug in the core: hand it to the framework's error path. */
  fail(error: unknown): void
}

/** Evaluates the gate for one request and carries the decision out on a Node response. */
export async function runGate(gate: PaymentGate, request: RequestLike, res: ServerResponse, hooks: NodeGateHooks): Promise<void> {
  let decision
  try {
    decision = await gate.evaluate(request)
  } catch (error) {
    hooks.fail(error)
    return
  }
  if (decision.type !== 'pass') {
    sendAnswer(res, decision)
    return
  }
  if (decision.policy === 'before-handler') {
    const outcome = await decision.settle()
    if (!outcome.ok) {
      sendAnswer(res, outcome)
      return
    }
    for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value)
    hooks.proceed(decision.payment)
    return
  }
  holdUntilSettled(res, decision)
  hooks.proceed(decision.payment)
}

type Chunk = { data: unknown; encoding?: BufferEncoding; status: number }
type Callback = (error?: Error | null) => void

/**
 * Captures writeHead/write/end so nothing of the handler's answer reaches the socket before the
 * payment is settled. Then: a handler answer >= 400 is sent as it is, with nothing charged; a
 * successful settlement sends it with the settlement header; a failed one discards it entirely.
 */
export function holdUntilSettled(res: ServerResponse, pass: PaymentPass): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders }
  const chunks: Chunk[] = []
  const callbacks: Callback[] = []
  let head: unknown[] | undefined
  let ended = false
  let left = false

  const restore = () => Object.assign(res, original)

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

  // A client that leaves before the handler ends is not charged.
  res.once('close', () => {
    if (ended) return
    left = true
    void pass.abandon()
  })

  const flush = (keep: (chunk: Chunk) => boolean) => {
    restore()
    if (head) (original.writeHead as (...a: unknown[]) => void).apply(res, head)
    for (const chunk of chunks.filter(keep)) {
      if (chunk.encoding) res.write(chunk.data as string, chunk.encoding)
      else res.write(chunk.data as Uint8Array)
    }
    res.end(() => callbacks.forEach((cb) => cb()))
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
      for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value)
      flush(() => true)
      return
    }
    restore()
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    callbacks.forEach((cb) => cb())
    sendAnswer(res, outcome)
  }
}

export type { OutgoingHttpHeaders }
