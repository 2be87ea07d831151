import { Reason } from '../errors/reasons.js'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { RequestLike } from '../http/request-like.js'
import type { Logger } from '../logger.js'
import type { PaymentMethod } from '../methods/payment-method.js'
import type { PaymentDecision } from './decision.js'
import { BodyTooLargeError, computeTerms, priceContext, PriceFunctionError, type DynamicTerms } from './dynamic-terms.js'

/**
 * The route's methods priced for this request, or the refusal to send instead. The rule that keeps
 * a 402 and its paid retry consistent: the price is computed from each request, the challenge
 * announces it, and a payment is accepted only when it pays exactly the price computed from the
 * request that carries it (its `accepted` amount and payee, and the signed value and recipient).
 * A price function that throws or returns something that is not a price or an address is the
 * seller's bug: 500 invalid_configuration, nothing charged, details in the seller's log only.
 */
export async function priceForRequest(
  methods: readonly PaymentMethod[],
  dynamic: readonly (DynamicTerms | undefined)[],
  request: RequestLike,
  maxBodyBytes: number,
  logger: Logger,
): Promise<PaymentMethod[] | PaymentDecision> {
  try {
    const changes = await computeTerms(dynamic, priceContext(request, maxBodyBytes))
    return methods.map((method, i) => {
      const change = changes[i]
      return change && method.priced ? method.priced(change) : method
    })
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return refusal(413, Reason.invalidPayload, `The request body is larger than ${error.maxBytes} bytes, the most this route reads to price it; nothing was charged.`)
    }
    if (!(error instanceof PriceFunctionError || error instanceof ConfigurationError)) throw error
    const detail = error instanceof ConfigurationError ? error.problems.join('; ') : error.message
    logger.error?.('tollgate: a price or payTo function failed; refusing the request, nothing charged', { detail })
    return refusal(500, Reason.invalidConfiguration, 'This route could not compute its price; nothing was charged.')
  }
}

function refusal(status: number, reason: typeof Reason.invalidPayload | typeof Reason.invalidConfiguration, message: string): PaymentDecision {
  return { type: 'reject', reason, status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: { error: reason, message } }
}
