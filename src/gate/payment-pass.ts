import { redactUrls } from '../errors/redact.js'
import { Reason, reasonMessages, type ReasonCode } from '../errors/reasons.js'
import type { Logger } from '../logger.js'
import type { Inspection, PaymentMethod, RequirementPair, Settlement, VerifiedPayment } from '../methods/payment-method.js'
import { noEvents, type GateEvents } from '../hooks/gate-events.js'
import type { ReplayGuard } from '../replay/replay-guard.js'
import type { SettleResponse } from '../protocol/wire-types.js'
import type { PendingLedger } from '../settlement/pending-ledger.js'
import type { PendingSettlement } from '../settlement/pending-record.js'
import type { HoldPolicy, HttpAnswer, PaymentPass, SettleOutcome, SettlementPolicy } from './decision.js'
import { settlementHeaders } from './settlement-header.js'
import { SpanNames, type GateSpan, type TraceAttributes } from './gate-tracer.js'
import { paymentKeyOf } from '../hooks/payment-key.js'
import { QUEUED_HEADERS, queueSettlement, type QueueParts } from './queue-pass.js'

export type Candidate = { method: PaymentMethod; requirement: RequirementPair } & Extract<Inspection<unknown>, { kind: 'match' }>

/** A payment whose earlier, unknown settlement was since found on chain: its pass charges nothing more. */
export interface Resumed {
  /** The replay key the pending record was found under (its served lock). */
  key: string
  pending: PendingSettlement
  transaction: string
}

export interface PassParts {
  candidate: Candidate
  payment: VerifiedPayment
  policy: SettlementPolicy
  hold: HoldPolicy
  keys: string[]
  guard: ReplayGuard
  ledger: PendingLedger
  logger: Logger
  clock: () => number
  challenge(status: number, reason: ReasonCode, detail?: string): HttpAnswer
  /** Called exactly once, when the pass is done with (settled or abandoned): frees the payer's slot. */
  done(): void
  resumed?: Resumed
  /** Where settled / settlementFailed are told (default: nowhere). */
  events?: GateEvents
  /** When the gate received the payment (clock ms), for the events' latency; default: when the pass is created. */
  startedAt?: number
  /** The request's payment span: settle is traced under it, and it ends when the pass is done with. */
  span?: GateSpan
  /** For policy 'async': where the settlement is queued, with the payment as presented and the route's label. */
  queue?: Omit<QueueParts, 'candidate' | 'payment' | 'keys' | 'paymentKey' | 'receivedAt'>
}

/** A verified payment that settles at most once, and frees its claim only if nothing was broadcast. */
export function createPass(parts: PassParts): PaymentPass {
  const { candidate, payment, keys, guard, ledger, logger, resumed } = parts
  const x402Version = payment.x402Version ?? 2
  const network = x402Version === 2 ? payment.network : payment.networkName
  const events = parts.events ?? noEvents
  const startedAt = parts.startedAt ?? parts.clock()
  const paymentKey = paymentKeyOf(keys)
  const about = () => ({
    payer: payment.payer,
    payTo: payment.payTo,
    paymentKey,
    amount: payment.amount,
    asset: payment.asset,
    network: payment.network,
    networkName: payment.networkName,
    x402Version,
    scheme: payment.scheme,
    latencyMs: Math.max(0, parts.clock() - startedAt),
  })
  let settled: Promise<SettleOutcome> | undefined
  let abandoned: Promise<void> | undefined
  let finished = false
  /** The span's ending: its settlement outcome and, when it failed, the reason. */
  let traced: { attributes: TraceAttributes; error?: string } = { attributes: { 'tollgate.settlement': 'abandoned' } }
  const finish = () => {
    if (finished) return
    finished = true
    parts.done()
    if (parts.span) {
      parts.span.setAttributes(traced.attributes)
      parts.span.end(traced.error)
    }
  }

  // upto: the handler sets the charge through payment.charge(); it is read when the pass settles.
  let requested: { input: unknown } | undefined
  let charged: bigint | undefined
  if (payment.scheme === 'upto') {
    payment.max ??= payment.amount
    // A resumed upto payment was settled for the charge recorded with it: that is what it cost, and the
    // handler, run again, cannot change it.
    if (resumed?.pending.charge !== undefined) payment.amount = resumed.pending.charge
    payment.charge = resumed
      ? () => undefined
      : (input) => {
          requested = { input }
        }
  }

  const charge = async (): Promise<Settlement> => {
    if (resumed) return { ok: true, transaction: resumed.transaction }
    if (payment.scheme === 'upto' && candidate.method.parseCharge) {
      const max = BigInt(payment.max ?? payment.amount)
      if (!requested) logger.warn?.('tollgate: upto handler set no charge; charging the maximum the buyer signed', { payer: payment.payer, max: max.toString() })
      const chosen = requested ? candidate.method.parseCharge(requested.input, max) : { ok: true as const, amount: max }
      if (!chosen.ok) {
        // A programming error of the seller: nothing leaves, and the handler's answer is not served.
        logger.error?.('tollgate: invalid upto charge; nothing charged, answering 500', { problem: chosen.problem, payer: payment.payer })
        return { ok: false, status: 500, reason: Reason.uptoChargeInvalid, detail: chosen.problem, publicDetail: 'the seller set an invalid charge; nothing was charged', broadcast: false }
      }
      charged = chosen.amount
    }
    try {
      return await candidate.method.settle(candidate.proof, candidate.requirement, charged)
    } catch (error) {
      // A bug mid-settlement: whether a transaction left is unknown, so the claim stays.
      logger.error?.('tollgate: settlement threw', { error: redactUrls(String(error)), payer: payment.payer })
      return { ok: false, status: 503, reason: Reason.settlementUnknown, detail: String(error), broadcast: true }
    }
  }

  const settle = async (): Promise<SettleOutcome> => {
    if (parts.policy === 'async' && parts.queue && !resumed) {
      // Served now, settled from the queue; past the payer's cap (or without a queue) it settles here, before serving.
      if (await queueSettlement({ ...parts.queue, candidate, payment, keys, paymentKey, receivedAt: startedAt })) {
        traced = { attributes: { 'tollgate.settlement': 'queued' } }
        return { ok: true, headers: { ...QUEUED_HEADERS } }
      }
    }
    const span = parts.span?.child(SpanNames.settle, resumed ? { 'tollgate.resumed': true } : undefined)
    const settlement = await charge()
    if (span) traced = traceSettlement(span, settlement)
    if (settlement.ok) {
      payment.transaction = settlement.transaction
      if (charged !== undefined) payment.amount = charged.toString()
      if (resumed) await ledger.close(resumed.pending)
      // Not awaited: shortening a claim is bookkeeping, and it never fails the payment. A claim only
      // the store remembers (a pushed transaction) keeps its whole life.
      // An upto charge of 0 sent nothing: the buyer's signature stays unused on chain, so its claim keeps its life too.
      if (candidate.method.settledClaim !== 'keep' && charged !== 0n) void guard.settled(resumed ? resumed.pending.keys : keys)
      const response: SettleResponse = {
        success: true,
        transaction: settlement.transaction,
        network,
        payer: payment.payer,
        amount: payment.amount,
      }
      logger.info?.(resumed ? 'tollgate: pending payment served' : 'tollgate: payment settled', {
        transaction: settlement.transaction,
        payer: payment.payer,
        amount: payment.amount,
        network,
      })
      events.settled({ ...about(), transaction: settlement.transaction, resumed: resumed !== undefined })
      return { ok: true, response, headers: settlementHeaders(x402Version, response) }
    }
    if (!settlement.broadcast) await guard.releaseQuietly(keys)
    else if (settlement.reason === Reason.settlementUnknown) await recordPending(settlement)
    logger.warn?.('tollgate: settlement failed', {
      reason: settlement.reason,
      detail: redactUrls(settlement.detail),
      broadcast: settlement.broadcast,
      transaction: settlement.transaction,
    })
    events.settlementFailed({
      ...about(),
      state: settlement.reason === Reason.settlementUnknown ? 'unknown' : 'failed',
      reason: settlement.reason,
      status: settlement.status,
      ...(settlement.transaction ? { transaction: settlement.transaction } : {}),
    })
    const response: SettleResponse = {
      success: false,
      transaction: settlement.transaction ?? '',
      network,
      payer: payment.payer,
      errorReason: settlement.reason,
      errorMessage: reasonMessages[settlement.reason],
    }
    const answer = parts.challenge(settlement.status, settlement.reason, settlement.publicDetail)
    return {
      ok: false,
      reason: settlement.reason,
      response,
      ...answer,
      headers: { ...answer.headers, ...settlementHeaders(x402Version, response) },
    }
  }

  /** The outcome is unknown: remember it, so the same payment presented again is resolved, not refused. */
  const recordPending = (settlement: Extract<Settlement, { ok: false }>) =>
    ledger.record({
      state: 'pending',
      method: candidate.method.id,
      keys,
      network: payment.network,
      payer: payment.payer,
      ...(settlement.transaction ? { transaction: settlement.transaction } : {}),
      ...(settlement.resume !== undefined ? { resume: settlement.resume } : {}),
      ...(charged !== undefined ? { charge: charged.toString() } : {}),
      at: parts.clock(),
    })

  return {
    type: 'pass',
    payment,
    policy: parts.policy,
    hold: parts.hold,
    ...(resumed ? { resumed: true } : {}),
    settle: () => {
      if (abandoned) throw new Error('tollgate: settle() called after abandon()')
      settled ??= settle().finally(finish)
      return settled
    },
    abandon: () => {
      if (settled) return settled.then(() => undefined)
      // A resumed payment is already charged: abandoning frees only the right to serve it, so the buyer may come back.
      abandoned ??= (resumed ? ledger.unlock(resumed.key) : guard.releaseQuietly(keys)).finally(finish)
      return abandoned
    },
  }
}

/** Ends the settle span with the settlement's outcome; returns what its parent span ends with. */
function traceSettlement(span: GateSpan, settlement: Settlement): { attributes: TraceAttributes; error?: string } {
  const transaction: TraceAttributes = settlement.transaction ? { 'x402.transaction': settlement.transaction } : {}
  if (settlement.ok) {
    const attributes: TraceAttributes = { 'tollgate.settlement': 'settled', ...transaction }
    span.setAttributes(attributes)
    span.end()
    return { attributes }
  }
  const outcome = settlement.reason === Reason.settlementUnknown ? 'unknown' : 'failed'
  const attributes: TraceAttributes = { 'tollgate.settlement': outcome, 'tollgate.reason': settlement.reason, ...transaction }
  span.setAttributes(attributes)
  span.end(settlement.reason)
  return { attributes, error: settlement.reason }
}
