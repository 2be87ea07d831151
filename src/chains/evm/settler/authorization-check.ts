import type { Address, Hex } from 'viem'
import { redactUrls } from '../../../errors/redact.js'
import type { AuthorizationOutcome, SettlementCheck } from '../../../facilitator/settlement-check.js'
import type { ChainRpc } from './chain-rpc.js'
import type { PendingLedger } from './pending-ledger.js'
import { errorDetail } from './rpc-errors.js'

export interface CheckParts {
  rpc: ChainRpc
  ledger: PendingLedger
  settler: Address
  /** The authorization's state and the event that used it. */
  authorization: SettlementCheck
}

/**
 * Read-only resolution of a settlement whose outcome was unknown. With our transaction's hash:
 *  - mined and succeeded: settled by it;
 *  - mined and reverted, or provably unmineable (unknown to the node, not watched by this process's
 *    ledger, its nonce spent): the authorization's own state decides ('open' = it never transferred);
 *  - otherwise (pending, watched, or unknown with a nonce not spent or not known here): 'unknown'
 *    unless the authorization was used meanwhile (a replacement of ours, or anyone's, settled it).
 */
export async function checkAuthorization(parts: CheckParts, asset: Address, from: Address, nonce: Hex, transaction?: Hex): Promise<AuthorizationOutcome> {
  const state = () => redacted(parts.authorization(asset, from, nonce))
  if (!transaction) return state()
  try {
    const receipt = await parts.rpc.receipt(transaction)
    if (receipt?.success) return { state: 'settled', transaction }
    if (receipt) return state()
    const outcome = await state()
    if (outcome.state !== 'open') return outcome
    if (parts.ledger.isPending(transaction)) return { state: 'unknown', detail: `transaction ${transaction} is pending` }
    if (await parts.rpc.knows(transaction)) return { state: 'unknown', detail: `transaction ${transaction} is pending` }
    const txNonce = parts.ledger.nonceOf(transaction)
    if (txNonce === undefined) return { state: 'unknown', detail: `transaction ${transaction} is unknown to the node and its nonce is not known here` }
    // Count first, then the receipt and the authorization again, so a late inclusion is seen.
    const mined = await parts.rpc.minedNonce(parts.settler)
    if (mined <= txNonce) return { state: 'unknown', detail: `transaction ${transaction} is not mined and its nonce ${txNonce} is not spent` }
    const late = await parts.rpc.receipt(transaction)
    if (late?.success) return { state: 'settled', transaction }
    return state()
  } catch (error) {
    return { state: 'unknown', detail: errorDetail(error) }
  }
}

async function redacted(outcome: Promise<AuthorizationOutcome>): Promise<AuthorizationOutcome> {
  const value = await outcome
  return value.state === 'unknown' ? { state: 'unknown', detail: redactUrls(value.detail) } : value
}
