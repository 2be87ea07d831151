import type { Address } from 'viem'
import { PERMIT2_ADDRESS } from './permit2-constants.js'
import type { Permit2Proof } from './permit2-proof.js'
import { exactWitness, permit2WitnessTypes as types, uptoWitness } from './permit2-eip712-types.js'

/** The EIP-712 data a Permit2 witness transfer signs: Permit2's domain, the x402 proxy's witness. */
export function permit2TypedData(proof: Permit2Proof, chainId: number, scheme: 'exact' | 'upto') {
  const witness =
    scheme === 'upto'
      ? { to: proof.witness.to, facilitator: proof.witness.facilitator ?? ('0x0000000000000000000000000000000000000000' as Address), validAfter: proof.witness.validAfter }
      : { to: proof.witness.to, validAfter: proof.witness.validAfter }
  return {
    domain: { name: 'Permit2', chainId, verifyingContract: PERMIT2_ADDRESS },
    types: types(scheme === 'upto' ? uptoWitness : exactWitness),
    primaryType: 'PermitWitnessTransferFrom' as const,
    message: {
      permitted: { token: proof.token, amount: proof.amount },
      spender: proof.spender,
      nonce: proof.nonce,
      deadline: proof.deadline,
      witness,
    },
  }
}

/** EIP-2612 `Permit` under the token's own domain. */
export function eip2612TypedData(
  token: { address: Address; name: string; version: string },
  chainId: number,
  message: { owner: Address; spender: Address; value: bigint; nonce: bigint; deadline: bigint },
) {
  return {
    domain: { name: token.name, version: token.version, chainId, verifyingContract: token.address },
    types: {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit' as const,
    message,
  }
}
