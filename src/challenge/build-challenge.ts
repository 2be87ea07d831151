import { reasonMessages, type ReasonCode } from '../errors/reasons.js'
import type { HttpAnswer } from '../gate/decision.js'
import type { ChallengeExtras } from '../gate/prepaid-acceptor.js'
import type { RequirementPair, ResourceContext } from '../methods/payment-method.js'
import { encodeJsonHeader } from '../protocol/decode-header.js'
import { EXPOSED_HEADERS, type PaymentRequiredV1, type PaymentRequiredV2 } from '../protocol/wire-types.js'

export const PAYMENT_REQUIRED_ERROR = 'payment_required'

export interface ChallengeError {
  /** `payment_required` for a plain challenge, otherwise the reason the payment was refused. */
  error: ReasonCode | typeof PAYMENT_REQUIRED_ERROR
  detail?: string
}

/** A route's discovery declaration in both generations (see discovery/bazaar.ts). */
export interface ChallengeDiscovery {
  bazaar: Record<string, unknown>
  outputSchema: Record<string, unknown>
}

/**
 * One answer both generations read: the v2 `PAYMENT-REQUIRED` header and a v1 JSON body. The v2
 * client prefers the header; the v1 client reads the body. Networks v1 does not know are left out
 * of the body, since its client validates every entry against its list of names.
 */
export function buildChallenge(
  status: number,
  pairs: readonly RequirementPair[],
  resource: ResourceContext,
  { error, detail }: ChallengeError,
  extras: ChallengeExtras = {},
  discovery?: ChallengeDiscovery,
): HttpAnswer {
  const declared = pairs.reduce<Record<string, unknown> | undefined>((all, p) => (p.extensions ? { ...all, ...p.extensions } : all), undefined)
  const offered = declared ? { ...declared, ...extras.extensions } : extras.extensions
  const extensions = discovery ? { ...offered, bazaar: discovery.bazaar } : offered
  const v2: PaymentRequiredV2 = {
    x402Version: 2,
    error,
    resource: { url: resource.url, description: resource.description, mimeType: resource.mimeType },
    accepts: pairs.map((p) => p.v2),
    ...(extensions ? { extensions } : {}),
  }
  const body: PaymentRequiredV1 & { message: string; detail?: string } = {
    x402Version: 1,
    error,
    message: error === PAYMENT_REQUIRED_ERROR ? 'Payment required: pay with one of `accepts`.' : reasonMessages[error],
    ...(detail ? { detail } : {}),
    accepts: pairs.flatMap((p) => (p.v1 ? [discovery ? { ...p.v1, outputSchema: discovery.outputSchema } : p.v1] : [])),
    ...extras.v1,
  }
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'payment-required': encodeJsonHeader(v2),
      'access-control-expose-headers': EXPOSED_HEADERS,
    },
    body,
  }
}
