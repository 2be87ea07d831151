import { Reason, type ReasonCode } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { HttpAnswer, PaymentDecision } from '../gate/decision.js'
import { DEFAULT_PREPAID_SCOPE, type PrepaidScope } from '../gate/prepaid-acceptor.js'
import { noEvents, type GateEvents } from '../hooks/gate-events.js'
import type { Logger } from '../logger.js'
import type { CredentialFailure, KeyRing } from './credential-keys.js'
import type { PrepaidLedger } from './prepaid-ledger.js'
import { PrepaidPass } from './prepaid-pass.js'

export interface SpendContext {
  keys: KeyRing
  ledger: PrepaidLedger
  audience: string
  logger: Logger
  clock: () => number
}

type Challenge = (status: number, reason: ReasonCode, detail?: string) => HttpAnswer

/** Forged or foreign credentials are refused outright; spent ones get the challenge so the buyer can buy again. */
const statusOf: Record<CredentialFailure, number> = {
  prepaid_malformed: 400,
  prepaid_algorithm_not_allowed: 403,
  prepaid_unknown_key: 403,
  prepaid_invalid_signature: 403,
  prepaid_wrong_audience: 403,
  prepaid_expired: 402,
}

/**
 * Spends a route's cost (`scope.cost` calls, default 1) of a credential: signature and claims
 * first (no state touched for a forged token), then the route's package scope, then revocation,
 * then one atomic take of all the calls, or none. The pass gives them back when the handler fails.
 */
export async function spendCredential(
  token: string,
  context: SpendContext,
  challenge: Challenge,
  scope: PrepaidScope = DEFAULT_PREPAID_SCOPE,
  events: GateEvents = noEvents,
): Promise<PaymentDecision> {
  const { keys, ledger, audience, logger, clock } = context
  const nowMs = clock()
  const check = keys.verify(token.trim(), audience, Math.floor(nowMs / 1000))
  if (!check.ok) return reject(statusOf[check.reason], check.reason, check.detail, challenge)
  const claims = check.claims
  // A valid credential for another package: the buyer may still pay here another way, so 402 with the challenge.
  if (scope.packages && !scope.packages.includes(claims.pkg)) {
    const detail = `package ${JSON.stringify(claims.pkg)} is not accepted on this route (accepted: ${scope.packages.join(', ')})`
    return reject(402, Reason.prepaidPackageNotAccepted, detail, challenge)
  }
  const cost = scope.cost
  const expiresAtMs = claims.exp * 1000
  let remaining: number | null
  let left = 0
  try {
    if (await ledger.isRevoked(claims.jti)) return reject(402, Reason.prepaidRevoked, `credential ${claims.jti} was revoked`, challenge)
    remaining = await ledger.take(claims.jti, claims.calls, expiresAtMs, nowMs, cost)
    if (remaining === null && cost > 1) left = Math.max(claims.calls - (await ledger.used(claims.jti)), 0)
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    logger.error?.('tollgate: prepaid store unavailable, refusing the call', { error: error.message })
    return reject(503, Reason.storeUnavailable, undefined, challenge)
  }
  if (remaining === null && left > 0) {
    return reject(402, Reason.prepaidInsufficientCalls, `${left} calls left on ${claims.jti}; a request here costs ${cost}`, challenge)
  }
  if (remaining === null) return reject(402, Reason.prepaidExhausted, `all ${claims.calls} calls of ${claims.jti} are spent`, challenge)

  // Told when the calls are taken; a failed handler's calls are given back without an event.
  events.prepaid({ kind: 'spent', credentialId: claims.jti, package: claims.pkg, cost, remaining })
  if (remaining === 0) events.prepaid({ kind: 'exhausted', credentialId: claims.jti, package: claims.pkg })
  return new PrepaidPass(claims, audience, remaining, cost, ledger, logger)
}

function reject(status: number, reason: ReasonCode, detail: string | undefined, challenge: Challenge): PaymentDecision {
  return { type: 'reject', reason, ...challenge(status, reason, detail) }
}
