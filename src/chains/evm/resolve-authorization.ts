import type { Address, Hex } from 'viem'
import { Reason, type ReasonCode } from '../../errors/reasons.js'
import type { AuthorizationOutcome, SettlementCheck } from '../../facilitator/settlement-check.js'
import type { Eip3009Authorization, EvmChain } from './settler/evm-chain.js'
import type { PendingSettlement } from '../../settlement/pending-record.js'

/** What the chain proves about a pending settlement. */
export type Verdict =
  | { state: 'settled'; transaction: string }
  /**
   * Provably never charged. `reusable`: the authorization can still be settled, so the payment
   * may be settled anew; otherwise it never can be (canceled, expired) and the buyer is told why.
   */
  | { state: 'failed'; reusable: boolean; reason: ReasonCode; detail: string; publicDetail: string }
  | { state: 'unknown'; detail: string }

/**
 * An authorization left unused this long past its validBefore can never be used: the token refuses
 * it from the first block after validBefore. The margin covers clock skew and an RPC node that lags.
 */
const EXPIRY_MARGIN_SECONDS = 600n
/** Verification demands this much life left in an authorization, so that settling it can land. */
const USABLE_MARGIN_SECONDS = 6n

/** The read-only chain check of a settler's chain (through the settler's own endpoint). */
export function chainCheckOf(chain: EvmChain): SettlementCheck {
  return (asset, from, nonce, transaction) => chain.checkAuthorization(asset, from, nonce, transaction)
}

/**
 * Resolves a pending EIP-3009 settlement from the chain: settled (the transfer that used the nonce),
 * provably failed, or still unknown. Read-only; a check that throws is an unknown outcome.
 */
export async function resolveAuthorization(
  check: SettlementCheck | undefined,
  asset: Address,
  authorization: Eip3009Authorization,
  pending: PendingSettlement,
  nowMs: number,
): Promise<Verdict> {
  if (pending.state === 'settled' && pending.transaction) return { state: 'settled', transaction: pending.transaction }
  if (!check) return { state: 'unknown', detail: 'no RPC endpoint is configured to read this network' }
  const transaction = pending.transaction ? (pending.transaction as Hex) : undefined
  let outcome: AuthorizationOutcome
  try {
    outcome = await check(asset, authorization.from, authorization.nonce, transaction)
  } catch (error) {
    return { state: 'unknown', detail: `the chain check failed: ${error instanceof Error ? error.message : String(error)}` }
  }
  return verdictOf(outcome, authorization, transaction !== undefined, nowMs)
}

/**
 * Reads a chain outcome as a verdict. 'open' proves nothing by itself (a transaction may still be
 * on its way) unless the check was given our transaction, which it then reports unable to land
 * (reverted, or dropped with the sender's nonce moved on), or the authorization has expired.
 */
export function verdictOf(outcome: AuthorizationOutcome, authorization: Eip3009Authorization, transactionChecked: boolean, nowMs: number): Verdict {
  switch (outcome.state) {
    case 'settled':
      return { state: 'settled', transaction: outcome.transaction }
    case 'canceled':
      return failed(false, Reason.evmNonceUsed, 'the payer canceled this authorization on chain; nothing was charged')
    case 'unknown':
      return { state: 'unknown', detail: outcome.detail }
    case 'open': {
      const now = BigInt(Math.floor(nowMs / 1000))
      if (authorization.validBefore + EXPIRY_MARGIN_SECONDS < now) {
        return failed(false, Reason.evmValidBefore, 'this authorization expired unused; nothing was charged')
      }
      if (!transactionChecked) return { state: 'unknown', detail: 'the authorization is unused so far, and no transaction of ours is known to have failed' }
      if (authorization.validBefore < now + USABLE_MARGIN_SECONDS) {
        return failed(false, Reason.evmValidBefore, 'the settlement did not land and this authorization has expired; nothing was charged')
      }
      return failed(true, Reason.evmTransactionFailed, 'the earlier settlement did not land; nothing was charged')
    }
  }
}

function failed(reusable: boolean, reason: ReasonCode, text: string): Verdict {
  return { state: 'failed', reusable, reason, detail: text, publicDetail: text }
}
