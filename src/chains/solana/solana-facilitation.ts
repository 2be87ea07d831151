import { isAddress, type Address } from '@solana/kit'
import { redactUrls } from '../../errors/redact.js'
import { Reason, reasonMessages, type ReasonCode } from '../../errors/reasons.js'
import { StoreUnavailableError } from '../../errors/tollgate-error.js'
import type { Logger } from '../../logger.js'
import type { Settlement } from '../../methods/payment-method.js'
import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import type { ReplayGuard } from '../../replay/replay-guard.js'
import type { PendingLedger } from '../../settlement/pending-ledger.js'
import { inspectSolanaPayment } from './inspect-payment.js'
import { resolveSignature } from './resolve-signature.js'
import { settleTransaction } from './settle-transaction.js'
import { simulate, type SolanaChain } from './solana-chain.js'
import { solanaNetworkOf, type SolanaNetwork } from './solana-networks.js'
import { associatedTokenAddress } from './token-account.js'
import { checkPaymentTransaction } from './transaction-checks.js'
import type { PaymentTransaction } from './wire-transaction.js'

/** A `/verify` or `/settle` request, as the facilitator server read it. */
export interface SolanaAsk {
  envelope: PaymentEnvelope
  requirement: { scheme: string; network: string; asset: string; amount: string; payTo: string; extra?: Record<string, unknown> | null }
}

export interface FacilitationAnswer {
  ok: boolean
  /** 503 when the cluster could not be asked (the caller may fail over), else 200. */
  status: 200 | 503
  reason?: string
  message?: string
  payer?: string
  transaction?: string
}

const SETTLEMENT_PENDING = 'settlement_pending'

/**
 * tollgate's Solana verification and settlement behind the facilitator API: the same checks as a
 * seller's own, `/settle` claiming the message hash and buyer signature in the shared store first
 * (so one payment settles once across facilitator instances), a settlement left unknown recorded
 * and answered `settlement_pending`, and asked again, resolved from the cluster.
 */
export class SolanaFacilitation {
  constructor(
    private readonly chain: SolanaChain,
    private readonly networks: readonly SolanaNetwork[],
    private readonly parts: { guard: ReplayGuard; ledger: PendingLedger; logger: Logger },
  ) {}

  serves(network: string): boolean {
    const found = solanaNetworkOf(network) ?? this.networks.find((n) => n.v1Name === network)
    return found !== undefined && this.networks.includes(found)
  }

  kinds(): { x402Version: number; scheme: string; network: string; extra: Record<string, unknown> }[] {
    const extra = { feePayer: this.chain.feePayer.address }
    return this.networks.flatMap((n) => [
      { x402Version: 2, scheme: 'exact', network: n.caip2, extra },
      { x402Version: 1, scheme: 'exact', network: n.v1Name, extra },
    ])
  }

  signers(): Record<string, string[]> {
    return { 'solana:*': [this.chain.feePayer.address] }
  }

  async verify(ask: SolanaAsk): Promise<FacilitationAnswer> {
    const prepared = this.prepare(ask)
    if (!('tx' in prepared)) return prepared
    return this.check(prepared)
  }

  async settle(ask: SolanaAsk): Promise<FacilitationAnswer> {
    const prepared = this.prepare(ask)
    if (!('tx' in prepared)) return prepared
    const { guard, ledger } = this.parts
    const keys = prepared.keys.map((k) => `facilitator:${k}`)
    try {
      if (!(await guard.claim(keys, prepared.ttlMs))) return await this.reconcile(prepared, keys)
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
      return { ok: false, status: 503, reason: Reason.storeUnavailable, message: reasonMessages.store_unavailable }
    }
    const checked = await this.check(prepared)
    if (!checked.ok) {
      await guard.releaseQuietly(keys)
      return checked
    }
    const settlement = await settleTransaction(this.chain, prepared.tx)
    if (settlement.ok) {
      void guard.settled(keys)
      return { ok: true, status: 200, payer: checked.payer!, transaction: settlement.transaction }
    }
    this.parts.logger.warn?.('tollgate facilitator: Solana settlement failed', { reason: settlement.reason, detail: redactUrls(settlement.detail) })
    if (!settlement.broadcast) {
      await guard.releaseQuietly(keys)
      return this.refused(settlement, checked.payer)
    }
    await ledger.record({ state: 'pending', method: 'facilitator:solana', keys, network: prepared.network.caip2, payer: checked.payer!, ...(settlement.transaction ? { transaction: settlement.transaction } : {}), ...(settlement.resume ? { resume: settlement.resume } : {}), at: Date.now() })
    return { ok: false, status: 200, reason: SETTLEMENT_PENDING, message: reasonMessages.settlement_unknown, payer: checked.payer!, transaction: settlement.transaction ?? '' }
  }

  /** A second settle of a claimed payment: only one left pending is resolved; anything else is a replay. */
  private async reconcile(prepared: Prepared, keys: string[]): Promise<FacilitationAnswer> {
    const { ledger, guard } = this.parts
    const found = await ledger.find(keys)
    if (!found) return { ok: false, status: 200, reason: Reason.replayed, message: reasonMessages.payment_already_used }
    const { pending, key } = found
    if (!(await ledger.lock(key))) return { ok: false, status: 200, reason: SETTLEMENT_PENDING, message: reasonMessages.settlement_unknown, transaction: pending.transaction ?? '' }
    const verdict = await resolveSignature(this.chain, prepared.tx, pending.resume)
    if (verdict.state === 'settled') {
      await ledger.close(pending)
      void guard.settled(keys)
      return { ok: true, status: 200, payer: pending.payer, transaction: verdict.transaction }
    }
    await ledger.unlock(key)
    if (verdict.state === 'unknown') return { ok: false, status: 200, reason: SETTLEMENT_PENDING, message: reasonMessages.settlement_unknown, transaction: pending.transaction ?? '' }
    await ledger.close(pending)
    return { ok: false, status: 200, reason: verdict.reason, message: verdict.publicDetail, payer: pending.payer, transaction: pending.transaction ?? '' }
  }

  private async check(prepared: Prepared): Promise<FacilitationAnswer> {
    const { terms, tx } = prepared
    try {
      const checked = await checkPaymentTransaction(tx, terms, this.chain.feePayer.address, (program) => associatedTokenAddress(terms.payTo, terms.mint, program), this.chain.caps)
      if (!checked.ok) return { ok: false, status: 200, reason: checked.reason, message: checked.detail }
      const simulation = await simulate(this.chain, tx.wire)
      if (!simulation.ok) {
        const message = simulation.expired ? "the transaction's blockhash has expired; sign a new payment" : 'the transfer would fail on chain'
        return { ok: false, status: 200, reason: Reason.svmSimulationFailed, message, payer: checked.payer }
      }
      return { ok: true, status: 200, payer: checked.payer }
    } catch (error) {
      this.parts.logger.warn?.('tollgate facilitator: the Solana RPC could not answer', { error: redactUrls(String(error)) })
      return { ok: false, status: 503, reason: Reason.chainUnavailable, message: reasonMessages.chain_unavailable }
    }
  }

  private prepare(ask: SolanaAsk): Prepared | FacilitationAnswer {
    const { requirement, envelope } = ask
    const network = solanaNetworkOf(requirement.network) ?? this.networks.find((n) => n.v1Name === requirement.network)
    if (!network || !this.networks.includes(network)) return refuse(Reason.invalidNetwork, `this facilitator does not serve ${requirement.network}`)
    if (requirement.scheme !== 'exact' || envelope.scheme !== 'exact') return refuse(Reason.svmUnsupportedScheme, 'only the exact scheme is served')
    const feePayer = requirement.extra?.feePayer
    if (feePayer !== this.chain.feePayer.address) return refuse(Reason.svmFeePayerMismatch, `extra.feePayer must be this facilitator's ${this.chain.feePayer.address}`)
    if (!isAddress(requirement.asset) || !isAddress(requirement.payTo) || !/^\d{1,20}$/.test(requirement.amount)) return refuse(Reason.invalidPayload, 'the requirement needs a mint asset, a payTo address and an amount')
    const memo = typeof requirement.extra?.memo === 'string' ? requirement.extra.memo : undefined
    const terms = { network, mint: requirement.asset as Address, amount: BigInt(requirement.amount), payTo: requirement.payTo as Address, ...(memo !== undefined ? { memo } : {}) }
    // Inspection compares `accepted` with the terms; decimals and program are the transaction's, for the simulation to judge.
    const inspected = inspectSolanaPayment({ ...terms, decimals: 0, tokenProgram: '' as Address }, envelope)
    if (inspected.kind === 'not-mine') return refuse(Reason.svmNetworkMismatch, `payment network ${envelope.network} is not ${requirement.network}`)
    if (inspected.kind !== 'match') return refuse(inspected.kind === 'mismatch' ? inspected.reason : Reason.svmUndecodable, inspected.detail)
    return { network, terms, tx: inspected.proof, keys: inspected.replayKeys, ttlMs: inspected.replayTtlMs }
  }

  private refused(settlement: Extract<Settlement, { ok: false }>, payer: string | undefined): FacilitationAnswer {
    return { ok: false, status: settlement.status === 503 ? 503 : 200, reason: settlement.reason, message: settlement.publicDetail ?? reasonMessages[settlement.reason], ...(payer ? { payer } : {}) }
  }
}

interface Prepared {
  network: SolanaNetwork
  terms: { mint: Address; amount: bigint; payTo: Address; memo?: string }
  tx: PaymentTransaction
  keys: string[]
  ttlMs: number
}

function refuse(reason: ReasonCode, message: string): FacilitationAnswer {
  return { ok: false, status: 200, reason, message }
}
