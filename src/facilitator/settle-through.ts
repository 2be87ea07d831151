import type { Address } from 'viem'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import { redactUrl, redactUrls } from '../errors/redact.js'
import type { EvmProof } from '../chains/evm/exact/verify-authorization.js'
import type { Settlement } from '../methods/payment-method.js'
import type { FacilitatorRequest } from './facilitator-wire.js'
import type { FacilitatorClient } from './http-facilitator.js'
import type { SettlementCheck } from './settlement-check.js'

/** The reason a facilitator uses when it broadcast but has no receipt yet (official 2.x). */
export const SETTLEMENT_PENDING = 'settlement_pending'
/** A settle whose outcome is unknown is looked up on chain this many times, this far apart. */
const CHECKS = 3
const CHECK_INTERVAL_MS = 1_000

const knownReasons = new Set<string>(Object.values(Reason))
/** Reasons a facilitator gives when it could not act at all (its chain, store or gas account was down). */
const COULD_NOT_ACT = new Set<ReasonCode>([Reason.chainUnavailable, Reason.storeUnavailable, Reason.facilitatorUnavailable, Reason.settlerInsufficientGas])
/** A reason code is short and plain; anything else a facilitator says is upstream text, for the log only. */
const PLAIN_CODE = /^[a-z][a-z0-9_]{0,63}$/

/** A facilitator's reason string as a tollgate reason code, when tollgate has one for it. */
export function knownReason(reason: string | undefined): ReasonCode | undefined {
  return reason !== undefined && knownReasons.has(reason) ? (reason as ReasonCode) : undefined
}

/** What a buyer may read of a facilitator's refusal it has no code for: the code itself, if it is a plain one. */
export function publicReason(reason: string | undefined): { publicDetail: string } | Record<string, never> {
  return reason !== undefined && PLAIN_CODE.test(reason) && !knownReasons.has(reason) ? { publicDetail: `the facilitator's reason: ${reason}` } : {}
}

/**
 * Settles through the facilitator that verified the payment, once: `/settle` is never retried
 * here, because a settle that got no answer may have gone through. Such an outcome is unknown,
 * not failed: the chain is asked when the seller gave an RPC endpoint; otherwise (or when the
 * chain cannot tell yet) it stays unknown, `broadcast: true` keeps the payment's claim, and the
 * gate records it pending, to be resolved when the buyer presents the payment again.
 * Details name the facilitator by scheme and host only; they go to the seller's log.
 */
export async function settleThrough(
  facilitator: FacilitatorClient,
  request: FacilitatorRequest,
  proof: EvmProof,
  asset: Address,
  check: SettlementCheck | undefined,
): Promise<Settlement> {
  const where = redactUrl(facilitator.url)
  const reply = await facilitator.settle(request)
  if (reply.kind === 'refused') {
    return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: `${where}: ${redactUrls(reply.detail)}`, broadcast: false }
  }
  if (reply.kind === 'unknown') return resolveUnknown(reply.status, `${where}: ${redactUrls(reply.detail)}`, proof, asset, check)
  const { response } = reply
  if (response.success) return { ok: true, transaction: response.transaction }
  const said = `${where} said ${response.errorReason ?? 'no reason'}${response.errorMessage ? `: ${redactUrls(response.errorMessage)}` : ''}`
  const reason = knownReason(response.errorReason)
  const transaction = response.transaction || undefined
  const pending = response.errorReason === SETTLEMENT_PENDING || reason === Reason.settlementUnknown
  // A facilitator that could not act yet names a transaction is contradicting itself: that transaction is not dropped.
  if (pending || (transaction && reason && COULD_NOT_ACT.has(reason))) return resolveUnknown(503, said, proof, asset, check, transaction)
  if (!transaction && reason && COULD_NOT_ACT.has(reason)) return couldNotAct(said, proof, asset, check)
  if (transaction) {
    // A transaction went out and failed: the claim stays, the chain remembers the rest.
    return { ok: false, status: 402, reason: reason ?? Reason.evmTransactionFailed, detail: said, broadcast: true, transaction, ...publicReason(response.errorReason) }
  }
  return { ok: false, status: 402, reason: reason ?? Reason.facilitatorRejected, detail: said, broadcast: false, ...publicReason(response.errorReason) }
}

/**
 * The facilitator says it could not act and names no transaction: an explicit "nothing was sent",
 * trusted as it is when the seller has no way to read the chain. With one, the chain decides: the
 * authorization unused confirms it; a transfer found there overrides it; a chain that cannot tell
 * leaves the outcome unknown (the claim kept), never "nothing was charged".
 */
async function couldNotAct(said: string, proof: EvmProof, asset: Address, check: SettlementCheck | undefined): Promise<Settlement> {
  const nothingSent: Settlement = { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: said, broadcast: false }
  if (!check) return nothingSent
  const outcome = await check(asset, proof.authorization.from, proof.authorization.nonce)
  switch (outcome.state) {
    case 'open':
      return nothingSent
    case 'settled':
      return { ok: true, transaction: outcome.transaction }
    case 'canceled':
      return { ok: false, status: 402, reason: Reason.evmNonceUsed, detail: `${said}; the payer canceled the authorization`, broadcast: true }
    case 'unknown':
      return { ok: false, status: 503, reason: Reason.settlementUnknown, detail: `${said}; the chain could not confirm it: ${outcome.detail}`, broadcast: true }
  }
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
