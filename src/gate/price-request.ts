import { LRUCache } from 'lru-cache'
import { Reason } from '../errors/reasons.js'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { RequestLike } from '../http/request-like.js'
import type { Logger } from '../logger.js'
import type { PaymentMethod } from '../methods/payment-method.js'
import type { PaymentDecision } from './decision.js'
import { BodyTooLargeError, computeTerms, isThenable, priceContext, PriceFunctionError, type DynamicTerms, type TermsChange } from './dynamic-terms.js'

/** The route's methods priced for one request, and a key naming those prices (for the challenge cache). */
export interface Priced {
  methods: PaymentMethod[]
  key: string
}

/**
 * Prices the requests of one dynamic route. The rule that keeps a 402 and its paid retry
 * consistent: the price is computed from each request, the challenge announces it, and a payment
 * is accepted only when it pays exactly the price computed from the request that carries it (its
 * `accepted` amount and payee, and the signed value and recipient), like the official server,
 * which rebuilds the requirement for the retry and compares it with `accepted`.
 * A price function that throws or returns something that is not a price or an address is the
 * seller's bug: 500 invalid_configuration, nothing charged, details in the seller's log only.
 */
export class RoutePricing {
  /** Methods repriced per set of computed terms: a route usually has few prices, so most requests reuse one. */
  private readonly priced = new LRUCache<string, PaymentMethod[]>({ max: 256 })

  constructor(
    private readonly methods: readonly PaymentMethod[],
    private readonly dynamic: readonly (DynamicTerms | undefined)[],
    private readonly maxBodyBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Without a promise when every price function of the route answered synchronously. */
  price(request: RequestLike): Priced | PaymentDecision | Promise<Priced | PaymentDecision> {
    let changes: (TermsChange | undefined)[] | Promise<(TermsChange | undefined)[]>
    try {
      changes = computeTerms(this.dynamic, priceContext(request, this.maxBodyBytes))
      if (!isThenable(changes)) return this.pricedBy(changes)
    } catch (error) {
      return this.refused(error)
    }
    return changes.then((computed) => this.pricedBy(computed)).catch((error: unknown) => this.refused(error))
  }

  private pricedBy(changes: (TermsChange | undefined)[]): Priced {
    const key = termsKey(changes)
    let methods = key === undefined ? undefined : this.priced.get(key)
    if (!methods) {
      methods = this.methods.map((method, i) => {
        const change = changes[i]
        return change && method.priced ? method.priced(change) : method
      })
      if (key !== undefined) this.priced.set(key, methods)
    }
    return { methods, key: key ?? JSON.stringify(methods.map((m, i) => (changes[i] ? m.requirement(STUB, 0).v2 : null))) }
  }

  private refused(error: unknown): PaymentDecision {
    if (error instanceof BodyTooLargeError) {
      return refusal(413, Reason.invalidPayload, `The request body is larger than ${error.maxBytes} bytes, the most this route reads to price it; nothing was charged.`)
    }
    if (!(error instanceof PriceFunctionError || error instanceof ConfigurationError)) throw error
    const detail = error instanceof ConfigurationError ? error.problems.join('; ') : error.message
    this.logger.error?.('tollgate: a price or payTo function failed; refusing the request, nothing charged', { detail })
    return refusal(500, Reason.invalidConfiguration, 'This route could not compute its price; nothing was charged.')
  }
}

const STUB = { url: 'http://stub.invalid/', description: '', mimeType: '' }

/** A string naming computed terms exactly, or undefined for values that are not plainly keyed (they are checked, not cached). */
function termsKey(changes: readonly (TermsChange | undefined)[]): string | undefined {
  const parts: string[] = []
  for (const change of changes) {
    if (!change) {
      parts.push('')
      continue
    }
    const amount = 'amount' in change ? priceKey(change.amount) : '-'
    // EVM addresses are case-insensitive; Solana's base58 ones are not, so only 0x addresses are folded.
    const payTo = 'payTo' in change ? (typeof change.payTo === 'string' ? (change.payTo.startsWith('0x') ? change.payTo.toLowerCase() : change.payTo) : undefined) : '-'
    const memo = 'memo' in change ? (typeof change.memo === 'string' ? JSON.stringify(change.memo) : undefined) : '-'
    if (amount === undefined || payTo === undefined || memo === undefined) return undefined
    parts.push(`${amount}@${payTo}#${memo}`)
  }
  return parts.join(',')
}

function priceKey(price: unknown): string | undefined {
  if (typeof price === 'string') return `s${price}`
  if (typeof price === 'bigint') return `b${price}`
  if (typeof price === 'object' && price !== null && 'atomic' in price && Object.keys(price).length === 1) {
    const atomic = (price as { atomic: unknown }).atomic
    if (typeof atomic === 'string' || typeof atomic === 'bigint') return `a${atomic}`
  }
  return undefined
}

function refusal(status: number, reason: typeof Reason.invalidPayload | typeof Reason.invalidConfiguration, message: string): PaymentDecision {
  return { type: 'reject', reason, status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: { error: reason, message } }
}
