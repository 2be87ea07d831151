import { getAddress, isAddress, isAddressEqual } from 'viem'
import { redactUrls } from '../errors/redact.js'
import { Reason, reasonMessages, type ReasonCode } from '../errors/reasons.js'
import type { SettleResponse, VerifyResponse } from '../facilitator/facilitator-wire.js'
import { SETTLEMENT_PENDING } from '../facilitator/settle-through.js'
import type { Logger } from '../logger.js'
import { inspectPermit2, permit2ReplayKey } from '../chains/evm/permit2/inspect-permit2.js'
import type { Permit2Proof } from '../chains/evm/permit2/permit2-proof.js'
import { isPermit2Payload, permit2NonceHex } from '../chains/evm/permit2/permit2-proof.js'
import { permit2Terms, type Permit2Terms } from '../chains/evm/permit2/permit2-terms.js'
import { settlePermit2 } from '../chains/evm/permit2/settle-permit2.js'
import { permit2SettlementCheck } from '../chains/evm/permit2/permit2-state.js'
import { resolveAuthorization } from '../chains/evm/resolve-authorization.js'
import { verifyPermit2 } from '../chains/evm/permit2/verify-permit2.js'
import type { EvmNetwork } from '../chains/evm/network/evm-network.js'
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import type { Settlement, Verification } from '../methods/payment-method.js'
import type { ReplayGuard } from '../replay/replay-guard.js'
import type { PendingLedger } from '../settlement/pending-ledger.js'
import { isRefusal, readAsk, settledTokens } from './read-request.js'

interface Answer<T> {
  status: number
  body: T
}

interface Prepared {
  terms: Permit2Terms
  proof: Permit2Proof
  key: string
  ttlMs: number
  /** upto: what `/settle` is asked to charge (`paymentRequirements.amount`); the permitted amount is the maximum. */
  charge: bigint
  network: string
}

/**
 * Whether a `/verify` or `/settle` body is a Permit2 payment (exact with a Permit2 payload, or upto).
 * Routed by the payment, as the official facilitator routes by the payload's scheme and shape.
 */
export function isPermit2Ask(body: unknown): boolean {
  const b = body as { paymentPayload?: { payload?: unknown; accepted?: { scheme?: unknown } } } | null
  return b?.paymentPayload?.accepted?.scheme === 'upto' || isPermit2Payload(b?.paymentPayload?.payload)
}

/**
 * Permit2 `exact` and `upto` behind the facilitator API: the same local verification and settlement
 * the gate uses, with the facilitator's replay guard (`/settle` claims the Permit2 nonce first).
 * For upto, `paymentRequirements.amount` at `/settle` is the charge, as the official facilitator
 * reads it; verification checks the permit against the permitted amount (the maximum).
 */
export class Permit2Facilitation {
  constructor(
    private readonly settler: EvmSettler,
    private readonly networks: ReadonlyMap<string, EvmNetwork>,
    private readonly guard: ReplayGuard,
    private readonly ledger: PendingLedger,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  async verify(body: unknown): Promise<Answer<VerifyResponse>> {
    const prepared = this.prepare(body, 'verify')
    if ('reason' in prepared) return { status: prepared.status, body: { isValid: false, invalidReason: prepared.reason, invalidMessage: prepared.message } }
    const payer = prepared.proof.owner
    const verification = await verifyPermit2(prepared.terms, prepared.proof, this.clock())
    if (verification.ok) return { status: 200, body: { isValid: true, payer } }
    this.logger.info?.('tollgate facilitator: Permit2 payment refused', { reason: verification.reason, detail: redactUrls(verification.detail) })
    return { status: verification.status === 503 ? 503 : 200, body: { isValid: false, invalidReason: verification.reason, invalidMessage: said(verification), payer } }
  }

  async settle(body: unknown): Promise<Answer<SettleResponse>> {
    const prepared = this.prepare(body, 'settle')
    const network = typeof (body as { paymentRequirements?: { network?: unknown } })?.paymentRequirements?.network === 'string' ? (body as { paymentRequirements: { network: string } }).paymentRequirements.network : ''
    const fail = (status: number, errorReason: string, errorMessage: string, transaction = '', payer?: string): Answer<SettleResponse> => ({
      status,
      body: { success: false, errorReason, errorMessage, transaction, network, ...(payer ? { payer } : {}) },
    })
    if ('reason' in prepared) return fail(prepared.status, prepared.reason, prepared.message)
    const { terms, proof, key, charge } = prepared
    const payer = proof.owner
    if (charge > proof.amount) return fail(200, Reason.uptoSettlementExceedsAmount, reasonMessages[Reason.uptoSettlementExceedsAmount], '', payer)
    let claimed: boolean
    try {
      claimed = await this.guard.claim([key], prepared.ttlMs)
    } catch {
      return fail(503, Reason.storeUnavailable, reasonMessages.store_unavailable)
    }
    if (!claimed) {
      const reconciled = await this.reconcile(prepared, fail).catch(() => fail(503, Reason.storeUnavailable, reasonMessages.store_unavailable))
      if (reconciled) return reconciled
    }
    const verification = await verifyPermit2(terms, proof, this.clock())
    if (!verification.ok) {
      await this.guard.releaseQuietly([key])
      return fail(verification.status === 503 ? 503 : 200, verification.reason, said(verification), '', payer)
    }
    // upto with a charge of 0: nothing is sent; the claim stays, the signature is spent here.
    if (terms.scheme === 'upto' && charge === 0n) return { status: 200, body: { success: true, transaction: '', network, payer, amount: '0' } }
    const settlement = await settlePermit2(terms, proof, terms.scheme === 'upto' ? charge : proof.amount)
    if (settlement.ok) {
      void this.guard.settled([key])
      this.logger.info?.('tollgate facilitator: Permit2 payment settled', { transaction: settlement.transaction, payer, network })
      return { status: 200, body: { success: true, transaction: settlement.transaction, network, payer, amount: (terms.scheme === 'upto' ? charge : proof.amount).toString() } }
    }
    this.logger.warn?.('tollgate facilitator: Permit2 settlement failed', { reason: settlement.reason, detail: redactUrls(settlement.detail), broadcast: settlement.broadcast })
    if (!settlement.broadcast) {
      await this.guard.releaseQuietly([key])
      return fail(settlement.status === 503 ? 503 : 200, settlement.reason, said(settlement), '', payer)
    }
    if (settlement.reason === Reason.settlementUnknown) {
      const transaction = settlement.transaction
      await this.ledger.record({ state: 'pending', method: 'facilitator-permit2', keys: [key], network: terms.network.caip2, payer, ...(transaction ? { transaction } : {}), at: this.clock() })
      return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, transaction ?? '', payer)
    }
    return fail(200, settlement.reason, said(settlement), settlement.transaction ?? '', payer)
  }

  /**
   * A second settle of a claimed payment: only one left pending gets an answer other than a refusal.
   * The chain decides (Permit2's nonce bitmap and the transaction that used it): settled is reported
   * once, proven never sent is settled anew (undefined), still unknown is pending again.
   */
  private async reconcile(prepared: Prepared, fail: (status: number, reason: string, message: string, transaction?: string, payer?: string) => Answer<SettleResponse>): Promise<Answer<SettleResponse> | undefined> {
    const { key, terms, proof, charge } = prepared
    const payer = proof.owner
    const found = await this.ledger.find([key])
    if (!found) return fail(200, Reason.replayed, reasonMessages.payment_already_used, '', payer)
    const { pending } = found
    if (!(await this.ledger.lock(key))) return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, pending.transaction ?? '', payer)
    const state = permit2SettlementCheck(terms.calls.read)
    const check = (asset: `0x${string}`, from: `0x${string}`, nonce: `0x${string}`, transaction?: `0x${string}`) => terms.calls.check(state, asset, from, nonce, transaction)
    const authorization = { from: payer, to: proof.witness.to, value: proof.amount, validAfter: proof.witness.validAfter, validBefore: proof.deadline, nonce: permit2NonceHex(proof.nonce) }
    const verdict = await resolveAuthorization(check, terms.token.address, authorization, pending, this.clock())
    if (verdict.state === 'settled') {
      await this.ledger.close(pending)
      void this.guard.settled([key])
      return { status: 200, body: { success: true, transaction: verdict.transaction, network: prepared.network, payer, amount: (terms.scheme === 'upto' ? charge : proof.amount).toString() } }
    }
    await this.ledger.unlock(key)
    if (verdict.state === 'unknown') return fail(200, SETTLEMENT_PENDING, reasonMessages.settlement_unknown, pending.transaction ?? '', payer)
    await this.ledger.close(pending)
    if (verdict.reusable) return undefined
    return fail(200, verdict.reason, verdict.publicDetail, pending.transaction ?? '', payer)
  }

  private prepare(body: unknown, ask: 'verify' | 'settle'): Prepared | { status: number; reason: string; message: string } {
    const read = readAsk(body)
    if (isRefusal(read)) return { status: 400, ...read }
    const { requirement, envelope } = read
    const scheme = requirement.scheme
    if (scheme !== 'exact' && scheme !== 'upto') return { status: 200, reason: Reason.unsupportedPayloadType, message: `scheme ${scheme} is not exact or upto` }
    if (envelope.scheme !== scheme) return { status: 200, reason: scheme === 'upto' ? Reason.uptoScheme : Reason.unsupportedPayloadType, message: `the payment is ${envelope.scheme}, the requirement ${scheme}` }
    const network = this.networks.get(requirement.network)
    if (!network) return { status: 200, reason: Reason.invalidNetwork, message: `this facilitator does not serve ${requirement.network}` }
    if (envelope.network !== requirement.network) {
      return { status: 200, reason: scheme === 'upto' ? Reason.uptoNetworkMismatch : Reason.evmNetworkMismatch, message: `payment is for ${envelope.network}, the requirement for ${requirement.network}` }
    }
    if (!isAddress(requirement.asset, { strict: false }) || !isAddress(requirement.payTo, { strict: false })) {
      return { status: 200, reason: Reason.invalidPayload, message: 'paymentRequirements.asset and payTo must be EVM addresses' }
    }
    // Only configured tokens: a caller must not make this facilitator spend gas on a contract of its choosing.
    const token = settledTokens(network).find((t) => isAddressEqual(t.address, requirement.asset as `0x${string}`))
    if (!token) return { status: 200, reason: Reason.evmAssetMismatch, message: `this facilitator does not settle token ${requirement.asset} on ${requirement.network}` }
    const payload = (body as { paymentPayload: { payload: unknown; extensions?: unknown } }).paymentPayload
    // upto: /settle's amount is the charge; the payment is checked against what the buyer permitted.
    const permitted = scheme === 'upto' && ask === 'settle' ? permittedAmount(payload.payload) : undefined
    const amount = permitted ?? BigInt(requirement.amount)
    const terms = permit2Terms({ network, token: { ...token, address: getAddress(token.address) }, amount, payTo: getAddress(requirement.payTo) }, scheme, this.settler.connect(network))
    const inspection = inspectPermit2(terms, { ...envelope, accepted: envelope.accepted ? { ...envelope.accepted, amount: amount.toString() } : undefined, ...(payload.extensions !== undefined ? { extensions: payload.extensions } : {}) } as never, this.clock())
    if (inspection.kind === 'not-mine') return { status: 200, reason: Reason.unsupportedPayloadType, message: 'not a Permit2 payment for this requirement' }
    if (inspection.kind === 'malformed') return { status: 400, reason: Reason.invalidPayload, message: inspection.detail }
    if (inspection.kind === 'mismatch') return { status: 200, reason: inspection.reason, message: inspection.detail }
    const key = `facilitator:${permit2ReplayKey(network.chainId, inspection.proof)}`
    return { terms, proof: inspection.proof, key, ttlMs: inspection.replayTtlMs, charge: BigInt(requirement.amount), network: requirement.network }
  }
}

function permittedAmount(payload: unknown): bigint | undefined {
  const amount = (payload as { permit2Authorization?: { permitted?: { amount?: unknown } } } | null)?.permit2Authorization?.permitted?.amount
  return typeof amount === 'string' && /^\d{1,78}$/.test(amount) ? BigInt(amount) : undefined
}

function said(outcome: Extract<Verification, { ok: false }> | Extract<Settlement, { ok: false }>): string {
  return outcome.publicDetail ?? reasonMessages[outcome.reason as ReasonCode] ?? outcome.reason
}
