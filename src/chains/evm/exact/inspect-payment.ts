import type { Hex } from 'viem'
import { checksumAddress } from '../../../config/evm-address.js'
import { Reason } from '../../../errors/reasons.js'
import { exactEvmPayloadSchema } from '../../../protocol/payment-schemas.js'
import type { PaymentEnvelope } from '../../../protocol/read-payment.js'
import { claimLifetimeMs } from '../../../replay/replay-guard.js'
import type { Inspection } from '../../../methods/payment-method.js'
import type { EvmTerms } from './evm-terms.js'
import type { EvmProof } from './verify-authorization.js'
import { isPermit2Payload } from '../permit2/permit2-proof.js'

/**
 * Whether a payment is an EVM `exact` payment for these terms, its proof in typed form, and the
 * replay key to claim before anything else happens to it. No chain access: this runs for every
 * presented payment, before the claim.
 */
export function inspectEvmPayment(terms: EvmTerms, envelope: PaymentEnvelope, nowMs: number): Inspection<EvmProof> {
  const { network, token, amount, payTo } = terms
  if (envelope.scheme !== 'exact') return { kind: 'not-mine' }
  const networkName = envelope.x402Version === 1 ? network.v1Name : network.caip2
  if (envelope.network !== networkName) return { kind: 'not-mine' }
  // A Permit2 payment is for a Permit2 option of the route (routed by transfer method), never this one.
  if (isPermit2Payload(envelope.payload)) {
    return { kind: 'mismatch', reason: Reason.unsupportedPayloadType, detail: 'this option takes EIP-3009 authorizations, not Permit2 payments' }
  }
  const accepted = envelope.accepted
  if (accepted) {
    if (!sameAddress(accepted.asset, token.address)) {
      return { kind: 'mismatch', reason: Reason.evmAssetMismatch, detail: `asset ${accepted.asset} is not ${token.address}` }
    }
    if (!sameAddress(accepted.payTo, payTo)) {
      return { kind: 'mismatch', reason: Reason.evmRecipientMismatch, detail: `payTo ${accepted.payTo} is not ${payTo}` }
    }
    if (accepted.amount !== amount.toString()) {
      return { kind: 'mismatch', reason: Reason.evmValueMismatch, detail: `amount ${accepted.amount} is not ${amount}` }
    }
  }
  const parsed = exactEvmPayloadSchema.safeParse(envelope.payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { kind: 'malformed', detail: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
  }
  const { authorization: a, signature } = parsed.data
  const proof = proofOf(a, signature)
  return { kind: 'match', proof, replayKeys: [evmReplayKey(terms, proof)], replayTtlMs: claimLifetimeMs(proof.authorization.validBefore, nowMs) }
}

/** EIP-3009 nonces are scoped to (token, authorizer); the chain id keeps forks of one token apart. */
export function evmReplayKey(terms: EvmTerms, proof: EvmProof): string {
  const a = proof.authorization
  return `x402:evm:${terms.network.chainId}:${terms.token.address.toLowerCase()}:${a.from.toLowerCase()}:${a.nonce}`
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** An EIP-3009 proof from its wire form (decimal strings, any address case), as verification and settlement use it. */
export function proofOf(
  a: { from: string; to: string; value: string; validAfter: string; validBefore: string; nonce: string },
  signature: string,
): EvmProof {
  return {
    signature: signature as Hex,
    authorization: {
      from: checksumAddress(a.from),
      to: checksumAddress(a.to),
      value: BigInt(a.value),
      validAfter: BigInt(a.validAfter),
      validBefore: BigInt(a.validBefore),
      nonce: a.nonce.toLowerCase() as Hex,
    },
  }
}
