import type { Address, Hex } from 'viem'
import { checksumAddress } from '../../../config/evm-address.js'
import { z } from 'zod'
import { evmAddress, uintString } from '../../../protocol/payment-schemas.js'

const signatureHex = z.string().regex(/^0x(?:[0-9a-fA-F]{2}){65,6000}$/, 'must be a 0x-prefixed hex signature of at least 65 bytes')

/** `payload` of an x402 Permit2 payment (`exact` with assetTransferMethod "permit2", or `upto`). */
export const permit2PayloadSchema = z.object({
  signature: signatureHex,
  permit2Authorization: z.object({
    from: evmAddress,
    permitted: z.object({ token: evmAddress, amount: uintString }),
    spender: evmAddress,
    nonce: uintString,
    deadline: uintString,
    witness: z.object({ to: evmAddress, validAfter: uintString, facilitator: evmAddress.optional() }),
  }),
})

/** `extensions.eip2612GasSponsoring.info` as the official client sends it; checked field by field in verification. */
export const eip2612InfoSchema = z.object({
  from: z.string(),
  asset: z.string(),
  spender: z.string(),
  amount: z.string(),
  nonce: z.string(),
  deadline: z.string(),
  signature: z.string(),
  version: z.string(),
})

export type Eip2612Info = z.infer<typeof eip2612InfoSchema>

/** A Permit2 witness transfer as verification and settlement use it. */
export interface Permit2Proof {
  signature: Hex
  owner: Address
  token: Address
  /** The permitted amount: the price (`exact`) or the maximum (`upto`). */
  amount: bigint
  spender: Address
  nonce: bigint
  deadline: bigint
  witness: { to: Address; validAfter: bigint; facilitator?: Address }
  /** The buyer's gasless Permit2 approval, when sent; its fields are checked in verification. */
  eip2612?: Eip2612Info
}

export function permit2ProofOf(payload: z.infer<typeof permit2PayloadSchema>, eip2612: Eip2612Info | undefined): Permit2Proof {
  const a = payload.permit2Authorization
  return {
    signature: payload.signature.toLowerCase() as Hex,
    owner: checksumAddress(a.from),
    token: checksumAddress(a.permitted.token),
    amount: BigInt(a.permitted.amount),
    spender: checksumAddress(a.spender),
    nonce: BigInt(a.nonce),
    deadline: BigInt(a.deadline),
    witness: {
      to: checksumAddress(a.witness.to),
      validAfter: BigInt(a.witness.validAfter),
      ...(a.witness.facilitator ? { facilitator: checksumAddress(a.witness.facilitator) } : {}),
    },
    ...(eip2612 ? { eip2612 } : {}),
  }
}

/** Whether a payload is shaped like a Permit2 payment at all (routing between transfer methods). */
export function isPermit2Payload(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'permit2Authorization' in payload
}

/** A Permit2 nonce as the 32-byte value the settlement-check plumbing carries. */
export function permit2NonceHex(nonce: bigint): Hex {
  return `0x${nonce.toString(16).padStart(64, '0')}`
}
