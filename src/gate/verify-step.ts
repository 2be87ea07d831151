import { redactUrls } from '../errors/redact.js'
import type { ReasonCode } from '../errors/reasons.js'
import type { Logger } from '../logger.js'
import type { VerifiedPayment } from '../methods/payment-method.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { ReplayGuard } from '../replay/replay-guard.js'
import { verifyCandidates } from './choose-candidates.js'
import { SpanNames, type GateSpan } from './gate-tracer.js'
import type { Candidate } from './payment-pass.js'

export type VerifyOutcome =
  | { ok: true; candidate: Candidate; payment: VerifiedPayment }
  | { ok: false; status: number; reason: ReasonCode; publicDetail: string | undefined; retryAfterSeconds?: number }

/**
 * Verifies a claimed payment; on refusal (or a bug) frees its claim, so an honest retry is not
 * taken for a replay. The refusal's detail may name RPC endpoints or quote upstream text: it goes
 * to the seller's log only, redacted.
 */
export async function verifyStep(
  candidates: readonly Candidate[],
  envelope: PaymentEnvelope,
  now: number,
  parts: { guard: ReplayGuard; keys: string[]; logger: Logger; span: GateSpan | undefined },
): Promise<VerifyOutcome> {
  const { guard, keys, logger } = parts
  const span = parts.span?.child(SpanNames.verify)
  const verified = await verifyCandidates(candidates, envelope, now).catch(async (error: unknown) => {
    span?.end('internal_error')
    await guard.releaseQuietly(keys)
    throw error
  })
  if (verified.verification.ok) {
    span?.end()
    return { ok: true, candidate: verified.candidate, payment: verified.verification.payment }
  }
  const { status, reason, detail, publicDetail, keepClaim, retryAfterSeconds } = verified.verification
  span?.setAttributes({ 'tollgate.reason': reason })
  span?.end(reason)
  // A proof the chain proves can never pay, and that nothing on chain would refuse again, stays claimed.
  if (!keepClaim) await guard.releaseQuietly(keys)
  const fields = { reason, detail: redactUrls(detail) }
  if (status === 503) logger.warn?.('tollgate: verification could not complete', fields)
  else logger.info?.('tollgate: payment refused', fields)
  return { ok: false, status, reason, publicDetail, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }
}
