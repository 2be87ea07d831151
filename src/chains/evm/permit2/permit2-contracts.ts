import { parseAbi, type Address } from 'viem'

/** Uniswap's Permit2, at the same address on every chain (CREATE2). */
export const PERMIT2_ADDRESS: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
/** x402's proxies: the spender a buyer's Permit2 signature names, and the contract that settles it. */
export const EXACT_PROXY_ADDRESS: Address = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001'
export const UPTO_PROXY_ADDRESS: Address = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002'

const structs = [
  'struct TokenPermissions { address token; uint256 amount; }',
  'struct PermitTransferFrom { TokenPermissions permitted; uint256 nonce; uint256 deadline; }',
  'struct EIP2612Permit { uint256 value; uint256 deadline; bytes32 r; bytes32 s; uint8 v; }',
] as const

export const exactProxyAbi = parseAbi([
  ...structs,
  'struct Witness { address to; uint256 validAfter; }',
  'function settle(PermitTransferFrom permit, address owner, Witness witness, bytes signature)',
  'function settleWithPermit(EIP2612Permit permit2612, PermitTransferFrom permit, address owner, Witness witness, bytes signature)',
  'function PERMIT2() view returns (address)',
])

export const uptoProxyAbi = parseAbi([
  ...structs,
  'struct Witness { address to; address facilitator; uint256 validAfter; }',
  'function settle(PermitTransferFrom permit, uint256 amount, address owner, Witness witness, bytes signature)',
  'function settleWithPermit(EIP2612Permit permit2612, PermitTransferFrom permit, uint256 amount, address owner, Witness witness, bytes signature)',
  'function PERMIT2() view returns (address)',
])

export const permit2Abi = parseAbi([
  'function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)',
  'event UnorderedNonceInvalidation(address indexed owner, uint256 word, uint256 mask)',
])

export const erc20PermitAbi = parseAbi([
  'function balanceOf(address account) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function nonces(address owner) view returns (uint256)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
])

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
