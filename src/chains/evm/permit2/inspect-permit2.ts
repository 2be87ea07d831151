import { Reason } from '../../../errors/reasons.js'
import type { Inspection } from '../../../methods/payment-method.js'
import type { PaymentEnvelope } from '../../../protocol/read-payment.js'
import { claimLifetimeMs } from '../../../replay/replay-guard.js'
import type { EvmTerms } from '../exact/evm-terms.js'
import { eip2612InfoSchema, isPermit2Payload, permit2PayloadSchema, permit2ProofOf, type Eip2612Info, type Permit2Proof } from './permit2-proof.js'
import type { Permit2Scheme } from './permit2-terms.js'

/**
 * Whether a payment is a Permit2 payment for these terms, in typed form, with its replay key. No
 * chain access: this runs for every presented payment, before the claim.
 */
export function inspectPermit2(terms: EvmTerms & { scheme: Permit2Scheme }, envelope: PaymentEnvelope, nowMs: number): Inspection<Permit2Proof> {
  const { network, token, amount, payTo } = terms
  // x402 v1 has no Permit2 payments.
  if (envelope.x402Version !== 2 || envelope.scheme !== terms.scheme || envelope.network !== network.caip2) return { kind: 'not-mine' }
  if (!isPermit2Payload(envelope.payload)) {
    return { kind: 'mismatch', reason: Reason.unsupportedPayloadType, detail: 'this option takes Permit2 payments (assetTransferMethod "permit2")' }
  }
  const accepted = envelope.accepted
  if (accepted) {
    if (accepted.asset.toLowerCase() !== token.address.toLowerCase()) return { kind: 'mismatch', reason: Reason.evmAssetMismatch, detail: `asset ${accepted.asset} is not ${token.address}` }
    if (accepted.payTo.toLowerCase() !== payTo.toLowerCase()) return { kind: 'mismatch', reason: Reason.permit2Recipient, detail: `payTo ${accepted.payTo} is not ${payTo}` }
    if (accepted.amount !== amount.toString()) return { kind: 'mismatch', reason: Reason.permit2AmountMismatch, detail: `amount ${accepted.amount} is not ${amount}` }
  }
  const parsed = permit2PayloadSchema.safeParse(envelope.payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { kind: 'malformed', detail: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
  }
  const proof = permit2ProofOf(parsed.data, eip2612Of(envelope.extensions))
  return { kind: 'match', proof, replayKeys: [permit2ReplayKey(network.chainId, proof)], replayTtlMs: claimLifetimeMs(proof.deadline, nowMs) }
}

/** Permit2 nonces are one space per owner across every token and spender on a chain. */
export function permit2ReplayKey(chainId: number, proof: Permit2Proof): string {
  return `x402:permit2:${chainId}:${proof.owner.toLowerCase()}:${proof.nonce}`
}

/**
 * The gasless-approval extension as sent. As the official facilitator reads it: without every
 * field (a client echoes the 402's declaration unfilled when it did not sign a permit) it is absent;
 * with every field as a string, their formats are checked in verification.
 */
function eip2612Of(extensions: unknown): Eip2612Info | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined
  const extension = (extensions as Record<string, unknown>).eip2612GasSponsoring
  if (typeof extension !== 'object' || extension === null) return undefined
  const parsed = eip2612InfoSchema.safeParse((extension as { info?: unknown }).info)
  return parsed.success && Object.values(parsed.data).every((value) => value !== '') ? parsed.data : undefined
}
