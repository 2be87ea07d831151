import { redactUrls } from '../errors/redact.js'
import { Reason, reasonMessages, type ReasonCode } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { SettleResponse, SupportedResponse, VerifyResponse } from '../facilitator/facilitator-wire.js'
import { SETTLEMENT_PENDING } from '../facilitator/settle-through.js'
import type { Logger } from '../logger.js'
import { inspectEvmPayment, evmReplayKey } from '../chains/evm/exact/inspect-payment.js'
import { settleAuthorization, verifyAuthorization, type ChainTerms, type EvmProof } from '../chains/evm/exact/verify-authorization.js'
import type { Settlement, Verification } from '../methods/payment-method.js'
import type { EvmNetwork } from '../chains/evm/network/evm-network.js'
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import { ReplayGuard } from '../replay/replay-guard.js'
import { PendingLedger } from '../settlement/pending-ledger.js'
import { chainCheckOf, resolveAuthorization } from '../chains/evm/resolve-authorization.js'
import type { Store } from '../stores/store.js'
import { isRefusal, readAsk, termsOf, type FacilitatorAsk } from './read-request.js'
import { isPermit2Ask, Permit2Facilitation } from './permit2-service.js'
import type { SolanaSettler } from '../chains/solana/solana-settler.js'
import type { SolanaFacilitation } from '../chains/solana/solana-facilitation.js'

/** An HTTP status and JSON body; the handler only serialises it. */
export interface Answer<T> {
  status: number
  body: T
}

interface Prepared {
  ask: FacilitatorAsk
  terms: ChainTerms
  proof: EvmProof
  key: string
  ttlMs: number
}

type Fail = (status: number, errorReason: string, errorMessage: string, transaction?: string, payer?: string) => Answer<SettleResponse>

/**
 * tollgate's local verification and settlement behind the facilitator API, with its replay guard:
 * `/verify` claims nothing (a seller verifies before its handler runs and may never settle), while
 * `/settle` claims the authorization first and keeps the claim once anything was broadcast, so one
 * authorization is settled, and reported settled, at most once whoever asks. A settlement left
 * unknown is recorded pending (the gate's own mechanism) and answered `settlement_pending`; asking
 * again resolves it from the chain. Messages are reason texts or built from the caller's request:
 * never RPC URLs or node error text, which go to the log.
 */
export class FacilitatorService {
  private readonly guard: ReplayGuard
  private readonly ledger: PendingLedger
  /** Permit2 `exact` and `upto` payments. */
  private readonly permit2: Permit2Facilitation

  constructor(
    private readonly settler: EvmSettler,
    private readonly networks: ReadonlyMap<string, EvmNetwork>,
    store: Store,
    private readonly clock: () => number,
    private readonly logger: Logger,
    solana?: { settler: SolanaSettler; networks: readonly string[] },
  ) {
    this.guard = new ReplayGuard(store, logger)
    this.ledger = new PendingLedger(store, logger)
    this.permit2 = new Permit2Facilitation(settler, networks, this.guard, this.ledger, clock, logger)
    this.solana = solana?.settler.facilitation(solana.networks, { guard: this.guard, ledger: this.ledger, logger })
  }

  /** Solana `exact`, when configured: its own checks and settlement over this service's guard and ledger. */
  private readonly solana: SolanaFacilitation | undefined

  supported(): SupportedResponse {
    const served = [...new Set(this.networks.values())]
    const kinds = served.flatMap((n) => [
      { x402Version: 2, scheme: 'exact', network: n.caip2 },
      ...(n.v1Name ? [{ x402Version: 1, scheme: 'exact', network: n.v1Name }] : []),
      // upto: the buyer's witness must name the account that settles, this facilitator's.
      { x402Version: 2, scheme: 'upto', network: n.caip2, extra: { facilitatorAddress: this.settler.address } },
    ])
    const solana = this.solana
    const evm: Record<string, string[]> = this.settler ? { 'eip155:*': [this.settler.address] } : {}
    return { kinds: [...kinds, ...(solana?.kinds() ?? [])], extensions: ['eip2612GasSponsoring'], signers: { ...evm, ...solana?.signers() } }
  }

  async verify(body: unknown): Promise<Answer<VerifyResponse>> {
    const solanaAsk = this.solanaAsk(body)
    if (solanaAsk) {
      if ('reason' in solanaAsk) return { status: 400, body: { isValid: false, invalidReason: solanaAsk.reason, invalidMessage: solanaAsk.message } }
      const answer = await this.solana!.verify(solanaAsk)
      if (answer.ok) return { status: 200, body: { isValid: true, payer: answer.payer! } }
      return { status: answer.status, body: { isValid: false, invalidReason: answer.reason!, invalidMessage: answer.message ?? '', ...(answer.payer ? { payer: answer.payer } : {}) } }
    }
    if (isPermit2Ask(body)) return this.permit2.verify(body)
    const prepared = this.prepare(body)
    if ('reason' in prepared) return { status: prepared.status, body: { isValid: false, invalidReason: prepared.reason, invalidMessage: prepared.message } }
    const payer = prepared.proof.authorization.from
    const verification = await verifyAuthorization(prepared.terms, prepared.proof, prepared.ask.envelope.x402Version, this.clock())
    if (verification.ok) return { status: 200, body: { isValid: true, payer } }
    this.logger.info?.('tollgate facilitator: payment refused', { reason: verification.reason, detail: redactUrls(verification.detail) })
    // A chain that cannot be read is no verdict: 503 lets the caller fail over to another facilitator.
    return { status: verification.status === 503 ? 503 : 200, body: { isValid: false, invalidReason: verification.reason, invalidMessage: this.said(verification), payer } }
  }

  async settle(body: unknown): Promise<Answer<SettleResponse>> {
    const solanaAsk = this.solanaAsk(body)
    if (solanaAsk) {
      const network = 'reason' in solanaAsk ? '' : solanaAsk.requirement.network
      if ('reason' in solanaAsk) return { status: 400, body: { success: false, errorReason: solanaAsk.reason, errorMessage: solanaAsk.message, transaction: '', network } }
      const answer = await this.solana!.settle(solanaAsk)
      if (answer.ok) return { status: 200, body: { success: true, transaction: answer.transaction!, network, payer: answer.payer!, amount: solanaAsk.requirement.amount } }
      return { status: answer.status, body: { success: false, errorReason: answer.reason!, errorMessage: answer.message ?? '', transaction: answer.transaction ?? '', network, ...(answer.payer ? { payer: answer.payer } : {}) } }
    }
    if (isPermit2Ask(body)) return this.permit2.settle(body)
    const prepared = this.prepare(body)
    const network = typeof (body as { paymentRequirements?: { network?: unknown } })?.paymentRequirements?.network === 'string'
      ? ((body as { paymentRequirements: { network: string } }).paymentRequirements.network)
      : ''
    const fail: Fail = (status, errorReason, errorMessage, transaction = '', payer) => ({
      status,
      body: { success: false, errorReason, errorMessage, transaction, network, ...(payer ? { payer } : {}) },
    })
    if ('reason' in prepared) return fail(prepared.status, prepared.reason, prepared.message)
    let claimed: boolean
    try {
      claimed = await this.guard.claim([prepared.key], prepared.ttlMs)
    } catch (error) {
      return this.storeDown(error, () => fail(503, Reason.storeUnavailable, reasonMessages.store_unavailable))
    }
    if (!claimed) {
      const reconciled = await this.reconcile(prepared, fail).catch((error: unknown) =>
        this.storeDown(error, () => fail(503, Reason.storeUnavailable, reasonMessages.store_unavailable)),
      )
      if (reconciled) return reconciled
    }
    return this.settleClaimed(prepared, fail)
  }

  /** Verifies and settles an authorization whose claim this request holds. */
  private async settleClaimed(prepared: Prepared, fail: Fail): Promise<Answer<SettleResponse>> {
    const { terms, proof, key } = prepared
    const payer = proof.authorization.from
    const network = prepared.ask.requirement.network
    const verification = await verifyAuthorization(terms, proof, prepared.ask.envelope.x402Version, this.clock())
    if (!verification.ok) {
      await this.guard.releaseQuietly([key])
      return fail(verification.status === 503 ? 503 : 200, verification.reason, this.said(verification), '', payer)
    }
    const settlement = await settleAuthorization(terms, proof)
    if (settlement.ok) {
      void this.guard.settled([key])
      this.logger.info?.('tollgate facilitator: settled', { transaction: settlement.transaction, payer, network })
      return { status: 200, body: { success: true, transaction: settlement.transaction, network, payer, amount: proof.authorization.value.toString() } }
    }
    this.logger.warn?.('tollgate facilitator: settlement failed', { reason: settlement.reason, detail: redactUrls(settlement.detail), broadcast: settlement.broadcast })
    if (!settlement.broadcast) {
      await this.guard.releaseQuietly([key])
      return fail(settlement.status === 503 ? 503 : 200, settlement.reason, this.said(settlement), '', payer)
    }
    if (settlement.reason === Reason.settlementUnknown) {
      // Sent, outcome not seen: the official name for this tells the caller to come back and ask again.
      const at = this.clock()
      const transaction = settlement.transaction
      await this.ledger.record({ state: 'pending', method: 'facilitator', keys: [key], network: terms.network.caip2, payer, ...(transaction ? { transaction } : {}), at })
      return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, transaction ?? '', payer)
    }
    return fail(200, settlement.reason, this.said(settlement), settlement.transaction ?? '', payer)
  }

  /**
   * A second settle of a claimed authorization. Only one whose first settle was left pending gets
   * anything but a refusal: the chain is read through the settler; a settlement found there is
   * reported once (the served lock stays taken), one proven never sent is settled anew, and one
   * still unknown is answered pending again. Undefined: settle it anew, the claim now this request's.
   */
  private async reconcile(prepared: Prepared, fail: Fail): Promise<Answer<SettleResponse> | undefined> {
    const { key, terms, proof } = prepared
    const payer = proof.authorization.from
    const replayed = () => fail(200, Reason.replayed, reasonMessages.payment_already_used, '', payer)
    const found = await this.ledger.find([key])
    if (!found) return replayed()
    const { pending } = found
    if (!(await this.ledger.lock(key))) return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, pending.transaction ?? '', payer)
    const verdict = await resolveAuthorization(chainCheckOf(terms.chain), terms.token.address, proof.authorization, pending, this.clock())
    if (verdict.state === 'settled') {
      await this.ledger.close(pending)
      void this.guard.settled([key])
      const network = prepared.ask.requirement.network
      return { status: 200, body: { success: true, transaction: verdict.transaction, network, payer, amount: proof.authorization.value.toString() } }
    }
    await this.ledger.unlock(key)
    if (verdict.state === 'unknown') {
      this.logger.warn?.('tollgate facilitator: a pending settlement is still unknown', { detail: redactUrls(verdict.detail), transaction: pending.transaction })
      return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, pending.transaction ?? '', payer)
    }
    await this.ledger.close(pending)
    if (verdict.reusable) return undefined
    return fail(200, verdict.reason, verdict.publicDetail, pending.transaction ?? '', payer)
  }

  /** What a caller may read of a failure: the method's public detail, else the reason's plain text. */
  private said(outcome: Extract<Verification, { ok: false }> | Extract<Settlement, { ok: false }>): string {
    return outcome.publicDetail ?? reasonMessages[outcome.reason as ReasonCode] ?? outcome.reason
  }

  /** Shape, served network, terms and proof: everything short of the chain. */
  private prepare(body: unknown): Prepared | { status: number; reason: string; message: string } {
    const ask = readAsk(body)
    if (isRefusal(ask)) return { status: 400, ...ask }
    const network = this.networks.get(ask.requirement.network)
    if (!network) return { status: 200, reason: Reason.invalidNetwork, message: `this facilitator does not serve ${ask.requirement.network}` }
    const terms = termsOf(ask, network)
    if (isRefusal(terms)) return { status: 200, ...terms }
    const now = this.clock()
    const inspection = inspectEvmPayment(terms, ask.envelope, now)
    if (inspection.kind === 'not-mine') {
      return { status: 200, reason: Reason.evmNetworkMismatch, message: `payment network ${ask.envelope.network} is not ${ask.requirement.network}` }
    }
    if (inspection.kind === 'malformed') return { status: 400, reason: Reason.invalidPayload, message: inspection.detail }
    if (inspection.kind === 'mismatch') return { status: 200, reason: inspection.reason, message: inspection.detail }
    const chainTerms: ChainTerms = { ...terms, chain: this.settler.connect(network) }
    // Its own prefix: a seller sharing this store claims the bare key before it calls /settle.
    const key = `facilitator:${evmReplayKey(terms, inspection.proof)}`
    return { ask, terms: chainTerms, proof: inspection.proof, key, ttlMs: inspection.replayTtlMs }
  }

  /** A body for a Solana network this service serves, read; undefined for any other. */
  private solanaAsk(body: unknown): FacilitatorAsk | { reason: string; message: string } | undefined {
    const network = (body as { paymentRequirements?: { network?: unknown } } | null)?.paymentRequirements?.network
    if (!this.solana || typeof network !== 'string' || !this.solana.serves(network)) return undefined
    return readAsk(body)
  }

  private storeDown<T>(error: unknown, answer: () => T): T {
    if (!(error instanceof StoreUnavailableError)) throw error
    this.logger.error?.('tollgate facilitator: store unavailable', { error: error.message })
    return answer()
  }
}
