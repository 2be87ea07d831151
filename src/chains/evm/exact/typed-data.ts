import type { Address } from 'viem'
import type { Eip3009Authorization } from '../settler/evm-chain.js'

export const transferWithAuthorizationTypes = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

/** The EIP-712 typed data an EIP-3009 authorization signs. */
export function authorizationTypedData(
  token: { address: Address; name: string; version: string },
  chainId: number,
  authorization: Eip3009Authorization,
) {
  return {
    domain: { name: token.name, version: token.version, chainId, verifyingContract: token.address },
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization' as const,
    message: { ...authorization },
  }
}
