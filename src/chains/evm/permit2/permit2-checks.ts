import { sameAddress } from '../../../config/evm-address.js'
import { Reason, type ReasonCode } from '../../../errors/reasons.js'
import type { Verification, VerifiedPayment } from '../../../methods/payment-method.js'
import type { Permit2Proof } from './permit2-proof.js'
import type { Permit2Terms } from './permit2-terms.js'

/*
 * The Permit2 checks that need neither the chain nor viem: a facilitator-verified route runs them
 * before asking the facilitator, and the local verifier (verify-permit2.ts, loaded on first use) too.
 */

/** The official verifier demands this much life left in a signature, so settlement can land. */
export const DEADLINE_MARGIN_SECONDS = 6n

/** The checks that need neither the chain nor the signature, in the official order; null when all pass. */
export function checkPermit2Terms(terms: Permit2Terms, proof: Permit2Proof, now: bigint): Verification | null {
  if (!sameAddress(proof.spender, terms.proxy)) return reject(Reason.permit2Spender, `the spender is ${proof.spender}, not the x402 proxy ${terms.proxy}`)
  if (!sameAddress(proof.witness.to, terms.payTo)) return reject(Reason.permit2Recipient, `the witness pays ${proof.witness.to}, not this route's payTo`)
  if (proof.deadline < now + DEADLINE_MARGIN_SECONDS) return reject(Reason.permit2DeadlineExpired, `deadline ${proof.deadline} leaves less than ${DEADLINE_MARGIN_SECONDS} s to settle`)
  if (proof.witness.validAfter > now) return reject(Reason.permit2NotYetValid, `validAfter ${proof.witness.validAfter} has not been reached`)
  if (proof.amount !== terms.amount) return reject(Reason.permit2AmountMismatch, `the permit is for ${proof.amount}, not ${terms.amount}`)
  if (!sameAddress(proof.token, terms.token.address)) return reject(Reason.permit2TokenMismatch, `the permit is for token ${proof.token}, not ${terms.token.address}`)
  return null
}

/** What the handler sees: for upto, `amount` is the maximum until the charge is settled. */
export function permit2Payment(terms: Permit2Terms, proof: Permit2Proof): VerifiedPayment {
  return {
    x402Version: 2,
    scheme: terms.scheme,
    network: terms.network.caip2,
    networkName: terms.network.name,
    asset: terms.token.address,
    amount: proof.amount.toString(),
    payTo: terms.payTo,
    payer: proof.owner,
  }
}

export function reject(reason: ReasonCode, detail: string, publicDetail = detail): Verification {
  return { ok: false, status: 402, reason, detail, publicDetail }
}
