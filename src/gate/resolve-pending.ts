import { redactUrls } from '../errors/redact.js'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { Logger } from '../logger.js'
import type { Resolution, VerifiedPayment } from '../methods/payment-method.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { PendingLedger } from '../settlement/pending-ledger.js'
import type { PaymentDecision } from './decision.js'
import type { Candidate, Resumed } from './payment-pass.js'

export interface PresentedAgain {
  candidates: readonly Candidate[]
  envelope: PaymentEnvelope
  /** The payment's replay keys, whose claim just failed. */
  keys: readonly string[]
  ledger: PendingLedger
  nowMs: number
  logger: Logger
  reject(status: number, reason: ReasonCode, detail?: string): PaymentDecision
  /** A pass for a payment already charged (it takes the payer's slot like any pass). */
  pass(candidate: Candidate, payment: VerifiedPayment, resumed: Resumed): Promise<PaymentDecision>
}

/** The payment was proven never charged and can still settle: go on as with a first presentation, claim held. */
export const SETTLE_ANEW = 'settle-anew'

/**
 * A payment whose claim is held was presented again. Usually a replay (409). But when its earlier
 * settlement was left unknown, a pending record says so, and the method resolves it now:
 * - settled on chain: the buyer is served without a second charge (one presentation at a time holds
 *   the served lock, so the handler runs once however many come at once);
 * - provably never charged: settled anew if the authorization can still settle, else 402 with why;
 * - still unknown: 503 settlement_unknown again, the claim kept.
 */
export async function presentedAgain(context: PresentedAgain): Promise<PaymentDecision | typeof SETTLE_ANEW> {
  const { ledger, logger } = context
  const replayed = () => context.reject(409, Reason.replayed, 'this authorization was presented before')
  let found: Awaited<ReturnType<PendingLedger['find']>>
  let locked = false
  try {
    found = await ledger.find(context.keys)
    if (!found) return replayed()
    const method = found.pending.method
    if (!context.candidates.some((c) => c.method.id === method && c.method.resolve)) return replayed()
    locked = await ledger.lock(found.key)
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    logger.error?.('tollgate: replay store unavailable, refusing payment', { error: error.message })
    return context.reject(503, Reason.storeUnavailable)
  }
  // Another presentation is resolving it, or being served: this one may not run the handler too.
  if (!locked) return context.reject(409, Reason.replayed, 'this payment is being served to another request')

  const { key, pending } = found
  const candidate = context.candidates.find((c) => c.method.id === pending.method)!
  let resolution: Resolution
  try {
    resolution = await candidate.method.resolve!(candidate.proof, context.envelope, candidate.requirement, pending, context.nowMs)
  } catch (error) {
    await ledger.unlock(key)
    throw error
  }

  switch (resolution.state) {
    case 'settled':
      if (pending.state !== 'settled') await ledger.markSettled(pending, resolution.transaction)
      logger.info?.('tollgate: a pending settlement was found on chain', { transaction: resolution.transaction, payer: pending.payer })
      return context.pass(candidate, resolution.payment, { key, pending, transaction: resolution.transaction })
    case 'failed':
      await ledger.close(pending)
      await ledger.unlock(key)
      logger.info?.('tollgate: a pending settlement never charged the buyer', { reason: resolution.reason, detail: redactUrls(resolution.detail), transaction: pending.transaction })
      return resolution.reusable ? SETTLE_ANEW : context.reject(402, resolution.reason, resolution.publicDetail)
    case 'unknown':
      await ledger.unlock(key)
      logger.warn?.('tollgate: a pending settlement is still unknown', { detail: redactUrls(resolution.detail), transaction: pending.transaction, payer: pending.payer })
      return context.reject(
        503,
        Reason.settlementUnknown,
        pending.transaction ? `transaction ${pending.transaction} is not confirmed yet; present this payment again later` : 'present this payment again later',
      )
  }
}
