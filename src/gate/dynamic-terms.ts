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

/** A class, not a literal with a getter: one is built per priced request, and V8 builds a class instance fast. */
class RequestPriceContext implements PriceContext {
  private parsedUrl: URL | undefined
  private bodyRead: Promise<Uint8Array> | undefined
  // Own functions, not methods: price functions destructure them (`({ header }) => header('x-api-key')`).
  readonly header: (name: string) => string | null
  readonly body: () => Promise<Uint8Array>

  constructor(
    readonly request: RequestLike,
    maxBodyBytes: number,
  ) {
    this.header = (name) => request.headers.get(name)
    this.body = () => (this.bodyRead ??= readOnce(request, maxBodyBytes))
  }

  // Parsed on first use: a price per header never pays for it.
  get url(): URL {
    this.parsedUrl ??= new URL(this.request.url)
    return this.parsedUrl
  }
}

export function priceContext(request: RequestLike, maxBodyBytes: number): PriceContext {
  return new RequestPriceContext(request, maxBodyBytes)
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
 * functions are not awaited, and when all are synchronous the terms come back without a promise.
 * A throw or a rejection is a PriceFunctionError (or the body's BodyTooLargeError), never a buyer's fault.
 */
export function computeTerms(dynamic: readonly (DynamicTerms | undefined)[], context: PriceContext): (TermsChange | undefined)[] | Promise<(TermsChange | undefined)[]> {
  let pending: Promise<unknown>[] | undefined
  const changes: (TermsChange | undefined)[] = []
  for (const terms of dynamic) {
    if (!terms) {
      changes.push(undefined)
      continue
    }
    const change: TermsChange = {}
    for (const field of TERMS) {
      const fn = terms[field]
      if (!fn) continue
      const value = call(fn as Dynamic<unknown>, context)
      if (isThenable(value)) (pending ??= []).push(Promise.resolve(value).then((settled) => void (change[field] = settled), failed))
      else change[field] = value
    }
    changes.push(change)
  }
  return pending ? Promise.all(pending).then(() => changes) : changes
}

/** In the order they are called. */
const TERMS = ['amount', 'payTo', 'memo'] as const

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

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}
