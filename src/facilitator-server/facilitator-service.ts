import { Reason } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { SettleResponse, SupportedResponse, VerifyResponse } from '../facilitator/facilitator-wire.js'
import { rpcSettlementCheck } from '../facilitator/settlement-check.js'
import type { Logger } from '../logger.js'
import { inspectEvmPayment, evmReplayKey } from '../methods/evm-exact/inspect-payment.js'
import { settleAuthorization, verifyAuthorization, type ChainTerms, type EvmProof } from '../methods/evm-exact/verify-authorization.js'
import type { EvmNetwork } from '../networks/evm-network.js'
import type { EvmSettler } from '../settlers/evm-chain.js'
import { ReplayGuard } from '../replay/replay-guard.js'
import type { Store } from '../stores/store.js'
import { isRefusal, readAsk, termsOf, type FacilitatorAsk } from './read-request.js'

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

const SETTLEMENT_PENDING = 'settlement_pending'

/**
 * tollgate's local verification and settlement behind the facilitator API, with its replay guard:
 * `/verify` claims nothing (a seller verifies before its handler runs and may never settle), while
 * `/settle` claims the authorization first and keeps the claim once anything was broadcast, so one
 * authorization is settled, and reported settled, at most once whoever asks.
 */
export class FacilitatorService {
  constructor(
    private readonly settler: EvmSettler,
    private readonly networks: ReadonlyMap<string, EvmNetwork>,
    private readonly store: Store,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {
    this.guard = new ReplayGuard(store, logger)
  }

  private readonly guard: ReplayGuard

  supported(): SupportedResponse {
    const served = [...new Set(this.networks.values())]
    const kinds = served.flatMap((n) => [
      { x402Version: 2, scheme: 'exact', network: n.caip2 },
      ...(n.v1Name ? [{ x402Version: 1, scheme: 'exact', network: n.v1Name }] : []),
    ])
    return { kinds, extensions: [], signers: { 'eip155:*': [this.settler.address] } }
  }

  async verify(body: unknown): Promise<Answer<VerifyResponse>> {
    const prepared = this.prepare(body)
    if ('reason' in prepared) return { status: prepared.status, body: { isValid: false, invalidReason: prepared.reason, invalidMessage: prepared.message } }
    const payer = prepared.proof.authorization.from
    const verification = await verifyAuthorization(prepared.terms, prepared.proof, prepared.ask.envelope.x402Version, this.clock())
    if (verification.ok) return { status: 200, body: { isValid: true, payer } }
    // A chain that cannot be read is no verdict: 503 lets the caller fail over to another facilitator.
    return { status: verification.status === 503 ? 503 : 200, body: { isValid: false, invalidReason: verification.reason, invalidMessage: verification.detail, payer } }
  }

  async settle(body: unknown): Promise<Answer<SettleResponse>> {
    const prepared = this.prepare(body)
    const network = typeof (body as { paymentRequirements?: { network?: unknown } })?.paymentRequirements?.network === 'string'
      ? ((body as { paymentRequirements: { network: string } }).paymentRequirements.network)
      : ''
    const fail = (status: number, errorReason: string, errorMessage: string, transaction = '', payer?: string): Answer<SettleResponse> => ({
      status,
      body: { success: false, errorReason, errorMessage, transaction, network, ...(payer ? { payer } : {}) },
    })
    if ('reason' in prepared) return fail(prepared.status, prepared.reason, prepared.message)
    const { terms, proof, key, ttlMs } = prepared
    const payer = proof.authorization.from
    try {
      if (!(await this.guard.claim([key], ttlMs))) return await this.reconcile(prepared, fail)
    } catch (error) {
      return this.storeDown(error, () => fail(503, Reason.storeUnavailable, 'the replay store could not answer; nothing was sent'))
    }
    const verification = await verifyAuthorization(terms, proof, prepared.ask.envelope.x402Version, this.clock())
    if (!verification.ok) {
      await this.guard.releaseQuietly([key])
      return fail(verification.status === 503 ? 503 : 200, verification.reason, verification.detail, '', payer)
    }
    const settlement = await settleAuthorization(terms, proof)
    if (settlement.ok) {
      this.logger.info?.('tollgate facilitator: settled', { transaction: settlement.transaction, payer, network })
      return { status: 200, body: { success: true, transaction: settlement.transaction, network, payer, amount: proof.authorization.value.toString() } }
    }
    if (!settlement.broadcast) {
      await this.guard.releaseQuietly([key])
      return fail(settlement.status === 503 ? 503 : 200, settlement.reason, settlement.detail, '', payer)
    }
    if (settlement.reason === Reason.settlementUnknown) {
      // Sent, receipt not seen: the official name for this lets a caller come back and ask again.
      await this.store.put(`${key}:pending`, settlement.transaction ?? '', ttlMs).catch(() => undefined)
      return fail(200, SETTLEMENT_PENDING, settlement.detail, settlement.transaction ?? '', payer)
    }
    return fail(200, settlement.reason, settlement.detail, settlement.transaction ?? '', payer)
  }

  /**
   * A second settle of a claimed authorization. Only one whose first settle was left pending gets
   * anything but a refusal: the chain is read, and a settlement found there is reported once.
   */
  private async reconcile(prepared: Prepared, fail: (s: number, r: string, m: string, t?: string, p?: string) => Answer<SettleResponse>) {
    const { key, terms, proof, ttlMs } = prepared
    const payer = proof.authorization.from
    const pending = await this.store.get(`${key}:pending`)
    if (pending === null) return fail(200, Reason.replayed, 'this authorization was already presented for settlement', '', payer)
    if (!terms.network.rpcUrl) return fail(200, SETTLEMENT_PENDING, 'no rpcUrl to check the chain', pending, payer)
    const outcome = await rpcSettlementCheck(terms.network, terms.network.rpcUrl)(terms.token.address, payer, proof.authorization.nonce)
    if (outcome.state === 'canceled') return fail(200, Reason.evmNonceUsed, 'the payer canceled the authorization', pending, payer)
    if (outcome.state !== 'settled') return fail(200, SETTLEMENT_PENDING, 'the settlement is not on chain yet', pending, payer)
    if (!(await this.store.claim(`${key}:reported`, ttlMs))) return fail(200, Reason.replayed, 'this settlement was already reported', '', payer)
    const network = prepared.ask.requirement.network
    return { status: 200, body: { success: true, transaction: outcome.transaction, network, payer, amount: proof.authorization.value.toString() } }
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

  private storeDown<T>(error: unknown, answer: () => T): T {
    if (!(error instanceof StoreUnavailableError)) throw error
    this.logger.error?.('tollgate facilitator: store unavailable', { error: error.message })
    return answer()
  }
}
