import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex } from '@noble/hashes/utils'
import type { Hex } from 'viem'
import { Reason, type ReasonCode } from '../../../errors/reasons.js'
import { revertErrors } from './permit2-constants.js'

const reasonByError: Record<(typeof revertErrors)[number], ReasonCode> = {
  'InvalidNonce()': Reason.permit2InvalidNonce,
  'InvalidSigner()': Reason.permit2Signature,
  'InvalidSignature()': Reason.permit2Signature,
  'InvalidSignatureLength()': Reason.permit2Signature,
  'InvalidContractSignature()': Reason.permit2Signature,
  'SignatureExpired(uint256)': Reason.permit2DeadlineExpired,
  'InvalidAmount(uint256)': Reason.permit2InvalidAmount,
  'InvalidAmount()': Reason.permit2InvalidAmount,
  'InvalidDestination()': Reason.permit2InvalidDestination,
  'InvalidOwner()': Reason.permit2InvalidOwner,
  'PaymentTooEarly()': Reason.permit2PaymentTooEarly,
  'Permit2612AmountMismatch()': Reason.permit2Eip2612AmountMismatch,
  'AmountExceedsPermitted()': Reason.uptoAmountExceedsPermitted,
  'UnauthorizedFacilitator()': Reason.uptoUnauthorizedFacilitator,
}

/** An error's 4-byte selector: the first bytes of keccak-256 over its signature (as Solidity computes it). */
const selectorOf = (error: string): string => `0x${bytesToHex(keccak_256(new TextEncoder().encode(error)).subarray(0, 4))}`
const bySelector = new Map<string, ReasonCode>(revertErrors.map((error) => [selectorOf(error), reasonByError[error]]))

/**
 * The reason a Permit2 or proxy revert stands for, from its selector (in `revert`, or a
 * `revert=0x…` the settler put in a detail); undefined for reverts that need a diagnosis
 * (a token's own failure: balance or allowance).
 */
export function permit2RevertReason(revert: Hex | undefined, detail = ''): ReasonCode | undefined {
  const data = revert ?? (/revert=(0x[0-9a-fA-F]{8})/.exec(detail)?.[1] as Hex | undefined)
  if (data && data.length >= 10) {
    const reason = bySelector.get(data.slice(0, 10).toLowerCase())
    if (reason) return reason
  }
  // viem names errors it could decode; Permit2's are not in any ABI we pass, so this is a fallback.
  for (const [error, reason] of Object.entries(reasonByError)) {
    if (detail.includes(error.replace(/\(.*$/, '()'))) return reason
  }
  return undefined
}
