import { Reason, type ReasonCode } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import { DEFAULT_HOLD, type HttpAnswer, type PaymentDecision } from '../gate/decision.js'
import type { Logger } from '../logger.js'
import { EXPOSED_HEADERS } from '../protocol/wire-types.js'
import type { CredentialFailure, KeyRing } from './credential-keys.js'
import type { PrepaidLedger } from './prepaid-ledger.js'
import { REMAINING_HEADER } from './prepaid-options.js'

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
 * Spends one call of a credential: signature and claims first (no state touched for a forged
 * token), then revocation, then one atomic take on the server's counter. The pass gives the call
 * back when the handler fails.
 */
export async function spendCredential(token: string, context: SpendContext, challenge: Challenge): Promise<PaymentDecision> {
  const { keys, ledger, audience, logger, clock } = context
  const nowMs = clock()
  const check = keys.verify(token.trim(), audience, Math.floor(nowMs / 1000))
  if (!check.ok) return reject(statusOf[check.reason], check.reason, check.detail, challenge)
  const claims = check.claims
  const expiresAtMs = claims.exp * 1000
  let remaining: number | null
  try {
    if (await ledger.isRevoked(claims.jti)) return reject(402, Reason.prepaidRevoked, `credential ${claims.jti} was revoked`, challenge)
    remaining = await ledger.take(claims.jti, claims.calls, expiresAtMs, nowMs)
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    logger.error?.('tollgate: prepaid store unavailable, refusing the call', { error: error.message })
    return reject(503, Reason.storeUnavailable, undefined, challenge)
  }
  if (remaining === null) return reject(402, Reason.prepaidExhausted, `all ${claims.calls} calls of ${claims.jti} are spent`, challenge)

  const expiresAt = new Date(expiresAtMs).toISOString()
  let givenBack = false
  const giveBack = async () => {
    if (givenBack) return
    givenBack = true
    await ledger.giveBack(claims.jti).catch((error: unknown) => {
      logger.warn?.('tollgate: could not give a prepaid call back', { credentialId: claims.jti, error: String(error) })
    })
  }
  // Settled before the handler: nothing can fail after the take, so the answer need not be held
  // back; the adapter reports the final status and a failed call is given back.
  return {
    type: 'pass',
    policy: 'before-handler',
    hold: DEFAULT_HOLD,
    payment: {
      scheme: 'prepaid',
      network: 'prepaid',
      networkName: 'prepaid',
      asset: '',
      amount: '0',
      payTo: audience,
      payer: claims.sub,
      prepaid: { credentialId: claims.jti, package: claims.pkg, remaining, expiresAt },
    },
    // The call was counted when the pass was granted: settling only reports what is left.
    settle: async () => {
      return { ok: true, headers: { [REMAINING_HEADER.toLowerCase()]: String(remaining), 'access-control-expose-headers': EXPOSED_HEADERS } }
    },
    abandon: () => giveBack(),
    complete: (status) => (status >= 400 ? giveBack() : Promise.resolve()),
  }
}

function reject(status: number, reason: ReasonCode, detail: string | undefined, challenge: Challenge): PaymentDecision {
  return { type: 'reject', reason, ...challenge(status, reason, detail) }
}
