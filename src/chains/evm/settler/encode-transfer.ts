import { encodeFunctionData, parseSignature, type Hex } from 'viem'
import { eip3009Abi } from './eip3009-abi.js'
import type { Eip3009Authorization } from './evm-chain.js'

/** The (v,r,s) overload for 65-byte EOA signatures, as USDC and the official facilitator use; bytes otherwise. */
export function encodeTransfer(auth: Eip3009Authorization, signature: Hex): Hex {
  const base = [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce] as const
  if (signature.length === 132) {
    const { r, s, v, yParity } = parseSignature(signature)
    return encodeFunctionData({
      abi: eip3009Abi,
      functionName: 'transferWithAuthorization',
      args: [...base, Number(v ?? BigInt(yParity + 27)), r, s],
    })
  }
  return encodeFunctionData({ abi: eip3009Abi, functionName: 'transferWithAuthorization', args: [...base, signature] })
}
