import type { RequestLike } from '../http/request-like.js'
import { readBoundedBytes } from '../http/read-body.js'
import type { Price } from '../money/parse-amount.js'

/**
 * What a price or payee function is given: the request being priced. `body()` reads the request
 * body once (later calls return the same bytes), never more than the route's `maxBodyBytes`: a
 * larger body is refused with 413 before the function sees it, and nothing is charged.
 */
export interface PriceContext {
  readonly request: RequestLike
  /** The request URL, parsed: `url.searchParams` for per-query prices. */
  readonly url: URL
  /** A request header, or null. */
  header(name: string): string | null
  body(): Promise<Uint8Array>
}

/** A value computed per request, sync or async. */
export type Dynamic<T> = (context: PriceContext) => T | Promise<T>
export type PriceFunction = Dynamic<Price>
export type PayToFunction = Dynamic<`0x${string}`>

/** The parts of one accepted option that are functions of the request. */
export interface DynamicTerms {
  amount?: PriceFunction
  payTo?: PayToFunction
  /** Solana: the memo a payment must carry (an invoice or request id). */
  memo?: Dynamic<string>
}

/** The terms computed for one request, passed to PaymentMethod.priced. */
export interface TermsChange {
  amount?: unknown
  payTo?: unknown
  memo?: unknown
}

/** Default cap on a body a price function reads. */
export const PRICE_BODY_LIMIT_BYTES = 1024 * 1024

/** The body was over the cap: 413, nothing charged. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`request body over ${maxBytes} bytes`)
  }
}

/** A price function's failure: the seller's bug, answered 500 without detail and logged. */
export class PriceFunctionError extends Error {}

export function priceContext(request: RequestLike, maxBodyBytes: number): PriceContext {
  let body: Promise<Uint8Array> | undefined
  let url: URL | undefined
  return {
    request,
    // Parsed on first use: a price per header never pays for it.
    get url() {
      url ??= new URL(request.url)
      return url
    },
    header: (name) => request.headers.get(name),
    body() {
      body ??= readOnce(request, maxBodyBytes)
      return body
    },
  }
}

async function readOnce(request: RequestLike, maxBytes: number): Promise<Uint8Array> {
  let bytes: Uint8Array | null
  if (typeof request.readBody === 'function') bytes = await request.readBody(maxBytes)
  else if (isWebRequest(request)) bytes = await readBoundedBytes(request.clone(), maxBytes)
  else throw new PriceFunctionError('this request offers no way to read its body (RequestLike.readBody)')
  if (bytes === null) throw new BodyTooLargeError(maxBytes)
  return bytes
}

/** A bare Web Request: its clone is read, so the handler still gets the body. */
function isWebRequest(request: RequestLike): request is RequestLike & Request {
  return typeof (request as Partial<Request>).clone === 'function' && 'body' in request
}

/**
 * Computes each option's dynamic terms for one request, each function called once; synchronous
 * functions are not awaited. A throw or a rejection is a PriceFunctionError (or the body's
 * BodyTooLargeError), never a buyer's fault.
 */
export async function computeTerms(dynamic: readonly (DynamicTerms | undefined)[], context: PriceContext): Promise<(TermsChange | undefined)[]> {
  const pending: Promise<unknown>[] = []
  const changes = dynamic.map((terms): TermsChange | undefined => {
    if (!terms) return undefined
    const change: TermsChange = {}
    if (terms.amount) settle(call(terms.amount, context), (value) => (change.amount = value), pending)
    if (terms.payTo) settle(call(terms.payTo, context), (value) => (change.payTo = value), pending)
    if (terms.memo) settle(call(terms.memo, context), (value) => (change.memo = value), pending)
    return change
  })
  if (pending.length > 0) await Promise.all(pending)
  return changes
}

function settle(result: unknown, put: (value: unknown) => void, pending: Promise<unknown>[]): void {
  if (isThenable(result)) pending.push(Promise.resolve(result).then(put, failed))
  else put(result)
}

function call<T>(fn: Dynamic<T>, context: PriceContext): T | Promise<T> {
  try {
    return fn(context)
  } catch (error) {
    return failed(error)
  }
}

function failed(error: unknown): never {
  if (error instanceof BodyTooLargeError) throw error
  throw new PriceFunctionError(error instanceof Error ? error.message : String(error))
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}
