import type { Address } from 'viem'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import type { EvmProof } from '../methods/evm-exact/verify-authorization.js'
import type { Settlement } from '../methods/payment-method.js'
import type { FacilitatorRequest } from './facilitator-wire.js'
import type { FacilitatorClient } from './http-facilitator.js'
import type { SettlementCheck } from './settlement-check.js'

/** The reason a facilitator uses when it broadcast but has no receipt yet (official 2.x). */
const SETTLEMENT_PENDING = 'settlement_pending'
/** A settle whose outcome is unknown is looked up on chain this many times, this far apart. */
const CHECKS = 3
const CHECK_INTERVAL_MS = 1_000

const knownReasons = new Set<string>(Object.values(Reason))
const COULD_NOT_CHECK = new Set<ReasonCode>([Reason.chainUnavailable, Reason.storeUnavailable, Reason.facilitatorUnavailable])

/** A facilitator's reason string as a tollgate reason code, when tollgate has one for it. */
export function knownReason(reason: string | undefined): ReasonCode | undefined {
  return reason !== undefined && knownReasons.has(reason) ? (reason as ReasonCode) : undefined
}

/**
 * Settles through the facilitator that verified the payment, once: `/settle` is never retried,
 * because a settle that got no answer may have gone through. Such an outcome is unknown, not
 * failed: the chain is asked when the seller gave an RPC endpoint; otherwise (or when the chain
 * cannot tell yet) it stays unknown, and `broadcast: true` keeps the payment's claim.
 */
export async function settleThrough(
  facilitator: FacilitatorClient,
  request: FacilitatorRequest,
  proof: EvmProof,
  asset: Address,
  check: SettlementCheck | undefined,
): Promise<Settlement> {
  const reply = await facilitator.settle(request)
  if (reply.kind === 'refused') {
    return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: reply.detail, broadcast: false }
  }
  if (reply.kind === 'unknown') return resolveUnknown(reply.status, reply.detail, proof, asset, check)
  const { response } = reply
  if (response.success) return { ok: true, transaction: response.transaction }
  const said = `${facilitator.url}: ${response.errorReason ?? 'no reason'}${response.errorMessage ? `: ${response.errorMessage}` : ''}`
  if (response.errorReason === SETTLEMENT_PENDING || response.errorReason === Reason.settlementUnknown) {
    return resolveUnknown(503, said, proof, asset, check, response.transaction || undefined)
  }
  const reason = knownReason(response.errorReason)
  if (!response.transaction && reason && COULD_NOT_CHECK.has(reason)) {
    // The facilitator could not act (its chain or store was down) and says nothing was sent.
    return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: said, broadcast: false }
  }
  if (response.transaction) {
    // A transaction went out and failed: the claim stays, the chain remembers the rest.
    return { ok: false, status: 402, reason: reason ?? Reason.evmTransactionFailed, detail: said, broadcast: true, transaction: response.transaction }
  }
  return { ok: false, status: 402, reason: reason ?? Reason.facilitatorRejected, detail: said, broadcast: false }
}

async function resolveUnknown(
  status: 502 | 503,
  detail: string,
  proof: EvmProof,
  asset: Address,
  check: SettlementCheck | undefined,
  transaction?: string,
): Promise<Settlement> {
  const unknown = (why: string): Settlement => ({
    ok: false,
    status,
    reason: Reason.settlementUnknown,
    detail: `${detail}; ${why}`,
    broadcast: true,
    ...(transaction ? { transaction } : {}),
  })
  if (!check) return unknown('no rpcUrl is configured for this network to check the chain')
  const { from, nonce } = proof.authorization
  for (let attempt = 0; attempt < CHECKS; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, CHECK_INTERVAL_MS))
    const outcome = await check(asset, from, nonce)
    if (outcome.state === 'settled') return { ok: true, transaction: outcome.transaction }
    if (outcome.state === 'canceled') {
      return { ok: false, status: 402, reason: Reason.evmNonceUsed, detail: `${detail}; the payer canceled the authorization`, broadcast: true }
    }
    if (outcome.state === 'unknown') return unknown(`the chain could not tell: ${outcome.detail}`)
  }
  return unknown('the chain shows the authorization unused so far')
}
