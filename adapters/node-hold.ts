/**
 * Holding a Node response back until its payment settles, within the route's cap on held bytes.
 *
 * Below the cap the handler's output is kept in memory and `write()` returns true: the payment can
 * only settle once the answer is known to succeed, so a producer paused before it ends would never
 * be resumed. At the cap, `write()` returns false (a piped producer pauses) and the route's
 * `overflow` decides: 'settle' charges at that moment, sends what is held with the settlement
 * headers, then emits 'drain' and lets the rest stream live under the socket's own backpressure
 * (a later error does not refund: the buyer is already receiving what they paid for); 'refuse'
 * frees the payment, answers 502 `response_too_large` and swallows the rest. A producer that ignores
 * `write()`'s false is buffered, exactly as Node's own response would buffer it.
 */
import type { ServerResponse } from 'node:http'
import { Reason, reasonMessages, type HttpAnswer, type PaymentPass, type SettleOutcome } from '../src/index.js'
import { keepHeaders, sendAnswer, setHeaders } from './node-answer.js'

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

/** The answer to a held response that outgrew its route's cap under overflow 'refuse'. */
export const RESPONSE_TOO_LARGE: Readonly<HttpAnswer> = Object.freeze({
  status: 502,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: { error: Reason.responseTooLarge, message: reasonMessages[Reason.responseTooLarge] },
})

/**
 * Captures writeHead/write/end so nothing of the handler's answer reaches the socket before the
 * payment is settled. Then: a handler answer >= 400 is sent as it is, with nothing charged; a
 * successful settlement sends it with the settlement header; a failed one discards it entirely.
 */
export function holdUntilSettled(res: ServerResponse, pass: PaymentPass): Hold {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders }
  const { maxBytes, overflow } = pass.hold
  let chunks: Chunk[] = []
  const callbacks: Callback[] = []
  let head: unknown[] | undefined
  let held = 0
  /** holding: capturing · deciding: settling or freeing, still capturing · done: the hold let go (sent or dropped). */
  let phase: 'holding' | 'deciding' | 'done' = 'holding'
  let ended = false
  let left = false
  // What outer middleware set (CORS, request ids) survives a failed settlement; the handler's headers do not.
  const restoreHeaders = keepHeaders({
    getHeaders: () => res.getHeaders(),
    removeHeader: (name) => res.removeHeader(name),
    setHeader: (name, value) => res.setHeader(name, value),
  })

  const keep = (data: unknown, encoding: unknown) => {
    chunks.push({ data, ...(typeof encoding === 'string' ? { encoding: encoding as BufferEncoding } : {}), status: res.statusCode })
    held += byteLength(data, encoding)
  }
  const callAll = () => callbacks.splice(0).forEach((cb) => cb())
  // Streams piped into the response (pipe() and pipeline() announce themselves), to stop when the answer is dropped.
  const sources = new Set<{ destroy?(): void }>()
  const onPipe = (source: { destroy?(): void }) => sources.add(source)
  const stopSources = () => {
    for (const source of sources) source.destroy?.()
    sources.clear()
  }

  // A client that leaves before the handler ends is not charged, and its output is dropped as it comes.
  // Once a decision is under way (the handler ended, or the cap was reached) that decision sees `left`.
  const onClose = () => {
    left = true
    if (phase !== 'holding') return
    drop()
    void pass.abandon()
  }
  const restore = () => {
    Object.assign(res, original)
    res.off('close', onClose)
    res.off('pipe', onPipe)
  }

  res.flushHeaders = () => undefined
  res.writeHead = ((...args: unknown[]) => {
    head = args
    if (typeof args[0] === 'number') res.statusCode = args[0]
    return res
  }) as ServerResponse['writeHead']
  res.write = ((data: unknown, encoding?: unknown, callback?: unknown) => {
    const cb = typeof encoding === 'function' ? encoding : callback
    keep(data, encoding)
    if (typeof cb === 'function') callbacks.push(cb as Callback)
    if (phase === 'holding' && held > maxBytes) void decide(overflow)
    return phase === 'holding'
  }) as ServerResponse['write']
  res.end = ((data?: unknown, encoding?: unknown, callback?: unknown) => {
    if (ended) return res
    ended = true
    const cb = [data, encoding, callback].find((a) => typeof a === 'function') as Callback | undefined
    if (data !== undefined && typeof data !== 'function') keep(data, encoding)
    if (cb) callbacks.push(cb)
    // An answer already over the cap in one piece still follows the route's overflow rule.
    if (phase === 'holding') void decide(held > maxBytes ? overflow : 'settle')
    return res
  }) as ServerResponse['end']
  res.once('close', onClose)
  res.on('pipe', onPipe)

  /** Sends what is held (the chunks `keep` accepts) and hands the response back to the handler. */
  const goLive = (keepChunk: (chunk: Chunk) => boolean) => {
    phase = 'done'
    restore()
    if (head) {
      // The status now, not the one the handler first wrote: an error answer replacing a success keeps its error status.
      const [status, ...rest] = head
      const args = status === res.statusCode ? head : [res.statusCode, ...rest.filter((arg) => typeof arg !== 'string')]
      const writeHead = original.writeHead as (...a: unknown[]) => void
      writeHead.apply(res, args)
    }
    const kept = chunks.filter(keepChunk)
    chunks = []
    // Corked: a one-chunk answer leaves in one write, as it would unheld.
    res.cork()
    const last = ended ? kept.pop() : undefined
    for (const chunk of kept) {
      if (chunk.encoding) res.write(chunk.data as string, chunk.encoding)
      else res.write(chunk.data as Uint8Array)
    }
    if (ended) {
      if (!last) res.end(callAll)
      else if (last.encoding) res.end(last.data as string, last.encoding, callAll)
      else res.end(last.data as Uint8Array, callAll)
      return
    }
    res.uncork()
    callAll()
    // The producer was told to wait (write() returned false): tell it to go on, once the socket takes more.
    if (!res.writableNeedDrain) process.nextTick(() => res.emit('drain'))
  }

  /**
   * Nothing of the handler's answer will be sent: a producer piping into it is stopped, and its
   * later writes are swallowed and reported as failed.
   */
  const drop = (answer?: HttpAnswer) => {
    phase = 'done'
    chunks = []
    if (answer) {
      restore()
      restoreHeaders()
      // Stopped once the answer is out: a pipeline seeing its source fail would destroy the response with it.
      res.once('close', stopSources)
      sendAnswer(res, answer)
    } else {
      stopSources()
      restore()
      res.destroy()
    }
    callAll()
    const gone = new Error('tollgate: this response is not sent (the payment was not settled)')
    res.writeHead = (() => res) as unknown as ServerResponse['writeHead']
    res.flushHeaders = () => undefined
    res.write = ((_data: unknown, encoding?: unknown, callback?: unknown) => {
      const cb = typeof encoding === 'function' ? encoding : callback
      if (typeof cb === 'function') process.nextTick(cb as Callback, gone)
      return false
    }) as ServerResponse['write']
    res.end = ((...args: unknown[]) => {
      const cb = args.find((a) => typeof a === 'function') as Callback | undefined
      if (cb) process.nextTick(cb)
      return res
    }) as ServerResponse['end']
  }

  /** Settles or frees the payment and sends (or drops) what is held; at end, or when the cap is reached. */
  const decide = async (rule: 'settle' | 'refuse') => {
    phase = 'deciding'
    if (res.statusCode >= 400) {
      await pass.abandon()
      // Content written while the status still said success is paid content: a later error must not leak it.
      return goLive((chunk) => chunk.status >= 400)
    }
    if (rule === 'refuse') {
      await pass.abandon()
      return drop(RESPONSE_TOO_LARGE)
    }
    let outcome: SettleOutcome
    try {
      outcome = await pass.settle()
    } catch {
      // Only a pass already freed refuses to settle (the framework saw the handler throw): nothing is sent or charged.
      return drop()
    }
    if (left) return drop() // charged (settling had begun), but nobody is there to receive it
    if (!outcome.ok) return drop(outcome)
    setHeaders(res, outcome.headers)
    goLive(() => true)
  }

  return {
    release() {
      if (left || ended || phase !== 'holding' || head !== undefined || chunks.length > 0) return false
      restore()
      return true
    },
  }
}

function byteLength(data: unknown, encoding: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  if (ArrayBuffer.isView(data)) return data.byteLength
  return 0
}
