import type { Address } from '@solana/kit'
import { Reason } from '../../errors/reasons.js'
import type { Inspection } from '../../methods/payment-method.js'
import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import type { SolanaTerms } from './solana-terms.js'
import { decodePaymentTransaction, signatureText, type PaymentTransaction } from './wire-transaction.js'

/**
 * A signed transaction can land only until its blockhash expires (about a minute); its claim is
 * kept far longer, and a settled one is then refused by the chain itself (expired blockhash).
 */
const CLAIM_MS = 60 * 60_000

/**
 * Whether a payment is a Solana `exact` payment for these terms, decoded, with the keys to claim
 * before anything else: the message hash (the payment whatever its signatures) and the buyer's
 * signature. No chain access; the full checks run in verification, after the claim.
 */
export function inspectSolanaPayment(terms: SolanaTerms, envelope: PaymentEnvelope): Inspection<PaymentTransaction> {
  if (envelope.scheme !== 'exact') return { kind: 'not-mine' }
  const name = envelope.x402Version === 1 ? terms.network.v1Name : terms.network.caip2
  if (envelope.network !== name) return { kind: 'not-mine' }
  const accepted = envelope.accepted
  if (accepted) {
    if (accepted.asset !== terms.mint) return { kind: 'mismatch', reason: Reason.svmMintMismatch, detail: `asset ${accepted.asset} is not ${terms.mint}` }
    if (accepted.payTo !== terms.payTo) return { kind: 'mismatch', reason: Reason.svmRecipientMismatch, detail: `payTo ${accepted.payTo} is not ${terms.payTo}` }
    if (accepted.amount !== terms.amount.toString()) return { kind: 'mismatch', reason: Reason.svmAmountMismatch, detail: `amount ${accepted.amount} is not ${terms.amount}` }
  }
  const decoded = decodePaymentTransaction(envelope.payload)
  if (!decoded.ok) return { kind: 'mismatch', reason: decoded.reason, detail: decoded.detail }
  const tx = decoded.transaction
  const keys = [`x402:svm:msg:${tx.messageHash}`]
  const buyerSignature = tx.signatures[1]
  if (buyerSignature) keys.push(`x402:svm:sig:${signatureText(buyerSignature)}`)
  return { kind: 'match', proof: tx, replayKeys: keys, replayTtlMs: CLAIM_MS }
}

/** The transfer authority (the buyer) of a transaction that passed the checks. */
export function payerOf(tx: PaymentTransaction): Address {
  const transfer = tx.message.instructions[2]
  return tx.message.staticAccounts[transfer?.accountIndices[3] ?? 0] as Address
}
