import type { Address } from 'viem'

/* Addresses and error names only, without viem's ABI parser: the core reads them at configuration time. */

/** Uniswap's Permit2, at the same address on every chain (CREATE2). */
export const PERMIT2_ADDRESS: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
/** x402's proxies: the spender a buyer's Permit2 signature names, and the contract that settles it. */
export const EXACT_PROXY_ADDRESS: Address = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001'
export const UPTO_PROXY_ADDRESS: Address = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002'

/**
 * Custom errors of Permit2 and the proxies, by name. The official facilitator maps reverts by
 * error name in the message, which misses Permit2's own errors (they are not in the proxy's ABI);
 * tollgate reads the 4-byte selector from the revert data, whatever ABI produced it.
 */
export const revertErrors = [
  'InvalidNonce()',
  'InvalidSigner()',
  'InvalidSignature()',
  'InvalidSignatureLength()',
  'InvalidContractSignature()',
  'SignatureExpired(uint256)',
  'InvalidAmount(uint256)',
  'InvalidAmount()',
  'InvalidDestination()',
  'InvalidOwner()',
  'PaymentTooEarly()',
  'Permit2612AmountMismatch()',
  'AmountExceedsPermitted()',
  'UnauthorizedFacilitator()',
] as const
