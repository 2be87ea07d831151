import { reasonMessages, type ReasonCode } from '../errors/reasons.js'
import type { Logger } from '../logger.js'
import type { Inspection, PaymentMethod, RequirementPair, Settlement, VerifiedPayment } from '../methods/payment-method.js'
import type { ReplayGuard } from '../replay/replay-guard.js'
import type { SettleResponse } from '../protocol/wire-types.js'
import type { HoldPolicy, HttpAnswer, PaymentPass, SettleOutcome, SettlementPolicy } from './decision.js'
import { settlementHeaders } from './settlement-header.js'

export type Candidate = { method: PaymentMethod; requirement: RequirementPair } & Extract<Inspection<unknown>, { kind: 'match' }>

export interface PassParts {
  candidate: Candidate
  payment: VerifiedPayment
  policy: SettlementPolicy
  hold: HoldPolicy
  keys: string[]
  guard: ReplayGuard
  logger: Logger
  challenge(status: number, reason: ReasonCode, detail?: string): HttpAnswer
}

/** A verified payment that settles at most once, and frees its claim only if nothing was broadcast. */
export function createPass(parts: PassParts): PaymentPass {
  const { candidate, payment, keys, guard, logger } = parts
  const x402Version = payment.x402Version ?? 2
  let settled: Promise<SettleOutcome> | undefined
  let abandoned: Promise<void> | undefined
  const release = () => guard.releaseQuietly(keys)

  const settle = async (): Promise<SettleOutcome> => {
    let settlement: Settlement
    try {
      settlement = await candidate.method.settle(candidate.proof, candidate.requirement)
    } catch (error) {
      // A bug mid-settlement: whether a transaction left is unknown, so the claim stays.
      logger.error?.('tollgate: settlement threw', { error: String(error), payer: payment.payer })
      settlement = { ok: false, status: 503, reason: 'settlement_unknown', detail: String(error), broadcast: true }
    }
    const network = x402Version === 2 ? payment.network : payment.networkName
    if (settlement.ok) {
      payment.transaction = settlement.transaction
      const response: SettleResponse = {
        success: true,
        transaction: settlement.transaction,
        network,
        payer: payment.payer,
        amount: payment.amount,
      }
      logger.info?.('tollgate: payment settled', { transaction: settlement.transaction, payer: payment.payer, amount: payment.amount, network })
      return { ok: true, response, headers: settlementHeaders(x402Version, response) }
    }
    if (!settlement.broadcast) await release()
    logger.warn?.('tollgate: settlement failed', { reason: settlement.reason, detail: settlement.detail, broadcast: settlement.broadcast })
    const response: SettleResponse = {
      success: false,
      transaction: settlement.transaction ?? '',
      network,
      payer: payment.payer,
      errorReason: settlement.reason,
      errorMessage: reasonMessages[settlement.reason],
    }
    const answer = parts.challenge(settlement.status, settlement.reason, settlement.detail)
    return {
      ok: false,
      reason: settlement.reason,
      response,
      ...answer,
      headers: { ...answer.headers, ...settlementHeaders(x402Version, response) },
    }
  }

  return {
    type: 'pass',
    payment,
    policy: parts.policy,
    hold: parts.hold,
    settle: () => {
      if (abandoned) throw new Error('tollgate: settle() called after abandon()')
      settled ??= settle()
      return settled
    },
    abandon: () => {
      if (settled) return settled.then(() => undefined)
      abandoned ??= release()
      return abandoned
    },
  }
}
