import { Reason, type ReasonCode } from '../errors/reasons.js'
import { ChainUnavailableError } from '../errors/tollgate-error.js'
import type { PaymentMethod, Verification } from '../methods/payment-method.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { Candidate } from './payment-pass.js'

export type Chosen = { candidates: Omit<Candidate, 'requirement'>[] } | { status: 400 | 402; reason: ReasonCode; detail: string }

/**
 * Every method that takes this payment; v1 payments name no asset, so several may. The details of
 * a refusal are built from the request alone, so the buyer may read them.
 */
export function chooseCandidates(methods: readonly PaymentMethod[], envelope: PaymentEnvelope, now: number): Chosen {
  const candidates: Omit<Candidate, 'requirement'>[] = []
  let mismatch: { reason: ReasonCode; detail: string } | undefined
  for (const method of methods) {
    const inspection = method.inspect(envelope, now)
    if (inspection.kind === 'match') candidates.push({ method, ...inspection })
    else if (inspection.kind === 'mismatch') mismatch ??= inspection
    else if (inspection.kind === 'malformed') return { status: 400, reason: Reason.invalidPayload, detail: inspection.detail }
  }
  if (candidates.length > 0) return { candidates }
  if (mismatch) return { status: 402, ...mismatch }
  return methods.some((m) => m.scheme === envelope.scheme)
    ? { status: 402, reason: Reason.invalidNetwork, detail: `network ${envelope.network} is not accepted here` }
    : { status: 402, reason: Reason.unsupportedScheme, detail: `scheme ${envelope.scheme} is not accepted here` }
}

/** Verifies with each candidate in turn: the first that accepts wins; else the first refusal is the answer. */
export async function verifyCandidates(candidates: readonly Candidate[], envelope: PaymentEnvelope, now: number) {
  let first: { candidate: Candidate; verification: Verification } | undefined
  for (const candidate of candidates) {
    let verification: Verification
    try {
      verification = await candidate.method.verify(candidate.proof, envelope, now, candidate.requirement)
    } catch (error) {
      if (!(error instanceof ChainUnavailableError)) throw error
      verification = { ok: false, status: 503, reason: Reason.chainUnavailable, detail: error.message }
    }
    if (verification.ok) return { candidate, verification }
    first ??= { candidate, verification }
  }
  return first as { candidate: Candidate; verification: Verification }
}
