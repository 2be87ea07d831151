import { redactUrl, redactUrls } from '../errors/redact.js'
import { Reason } from '../errors/reasons.js'
import type { MethodSpec } from '../chains/evm/exact/evm-exact.js'
import { evmRequirement } from '../chains/evm/exact/evm-requirement.js'
import { repriceTerms, resolveTerms, termsId, withTerms, type EvmExactOptions, type EvmTerms, type MethodContext } from '../chains/evm/exact/evm-terms.js'
import { inspectEvmPayment } from '../chains/evm/exact/inspect-payment.js'
import { checkAuthorizationTerms, verifiedPayment, type EvmProof } from '../chains/evm/exact/verify-authorization.js'
import type { Inspection, PaymentMethod, RequirementPair, Resolution, ResourceContext, Settlement, Verification } from '../methods/payment-method.js'
import type { TermsChange } from '../gate/dynamic-terms.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { PendingSettlement } from '../settlement/pending-record.js'
import { resolveAuthorization } from '../chains/evm/resolve-authorization.js'
import type { FacilitatorRequest } from './facilitator-wire.js'
import type { FacilitatorClient } from './http-facilitator.js'
import { rpcSettlementCheck, type SettlementCheck } from './settlement-check.js'
import { knownReason, publicReason, settleThrough } from './settle-through.js'
import { verifyWithFailover } from './verify-failover.js'

export interface FacilitatorExactOptions extends EvmExactOptions {
  /** One facilitator, or several tried in order for verification. */
  facilitators: FacilitatorClient | readonly FacilitatorClient[]
  /**
   * JSON-RPC endpoints by network name or CAIP-2 id. Only used to resolve a settlement whose
   * outcome the facilitator left unknown (a timeout): the chain is read, never written.
   */
  rpcUrls?: Readonly<Record<string, string>>
}

/** A payment matched to this method; which facilitator verified it is remembered for settling. */
interface FacilitatorProof {
  evm: EvmProof
  envelope: PaymentEnvelope
  verified?: { facilitator: FacilitatorClient; request: FacilitatorRequest }
}

/**
 * x402 `exact` on an EVM chain, verified and settled by remote facilitators. Requirements,
 * inspection and replay keys are the local method's, so the gate claims every payment before any
 * facilitator sees it: one proof shared by concurrent requests is settled once, served once.
 */
export function facilitatorExact(options: FacilitatorExactOptions): MethodSpec {
  return { build: (context) => new FacilitatorExactMethod(options, context) }
}

class FacilitatorExactMethod implements PaymentMethod<FacilitatorProof> {
  readonly id: string
  readonly scheme = 'exact'
  private readonly terms: EvmTerms
  private readonly facilitators: readonly FacilitatorClient[]
  private readonly check: SettlementCheck | undefined

  constructor(options: FacilitatorExactOptions, context: MethodContext) {
    const facilitators = Array.isArray(options.facilitators) ? options.facilitators : [options.facilitators]
    const usable = facilitators.length > 0 && facilitators.every(isFacilitator)
    this.terms = resolveTerms(options, context, usable ? [] : ['facilitators must be one or more httpFacilitator({ url })'])
    this.facilitators = facilitators as FacilitatorClient[]
    this.id = termsId(this.terms)
    const { network } = this.terms
    const rpcUrl = options.rpcUrls?.[network.name] ?? options.rpcUrls?.[network.caip2] ?? (network.v1Name ? options.rpcUrls?.[network.v1Name] : undefined)
    this.check = rpcUrl ? rpcSettlementCheck(network, rpcUrl) : undefined
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    return evmRequirement(this.terms, resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): FacilitatorExactMethod {
    return withTerms(this, repriceTerms(this.terms, change))
  }

  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<FacilitatorProof> {
    const inspection = inspectEvmPayment(this.terms, envelope, nowMs)
    return inspection.kind === 'match' ? { ...inspection, proof: { evm: inspection.proof, envelope } } : inspection
  }

  async verify(proof: FacilitatorProof, envelope: PaymentEnvelope, nowMs: number, requirement: RequirementPair): Promise<Verification> {
    // What needs no chain is checked here first: no facilitator's `isValid` can make tollgate accept
    // an expired authorization, another amount or another recipient.
    const refused = checkAuthorizationTerms(this.terms, proof.evm.authorization, nowMs)
    if (refused) return refused
    const request = facilitatorRequest(envelope, requirement)
    if (!request) return { ok: false, status: 402, reason: Reason.invalidNetwork, detail: `${this.terms.network.name} is not offered to x402 v1 buyers` }
    const verdict = await verifyWithFailover(this.facilitators, request)
    if (verdict.kind === 'unavailable') {
      return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: verdict.detail }
    }
    const { response, facilitator } = verdict
    if (!response.isValid) {
      // Its message is upstream text: the seller's log only. A buyer reads the reason code.
      const said = `${redactUrl(facilitator.url)} said ${response.invalidReason ?? 'no reason'}${response.invalidMessage ? `: ${redactUrls(response.invalidMessage)}` : ''}`
      return { ok: false, status: 402, reason: knownReason(response.invalidReason) ?? Reason.facilitatorRejected, detail: said, ...publicReason(response.invalidReason) }
    }
    // Each request inspects its own proof object, so remembering the facilitator here is per payment.
    proof.verified = { facilitator, request }
    return { ok: true, payment: verifiedPayment(this.terms, proof.evm, envelope.x402Version) }
  }

  async settle(proof: FacilitatorProof): Promise<Settlement> {
    const verified = proof.verified
    if (!verified) throw new Error(`tollgate: settle() of ${this.id} before a facilitator verified it`)
    const settlement = await settleThrough(verified.facilitator, verified.request, proof.evm, this.terms.token.address, this.check)
    // Which facilitator holds the outcome, by its place in the seller's list (no URL in the store).
    return settlement.ok ? settlement : { ...settlement, resume: String(this.facilitators.indexOf(verified.facilitator)) }
  }

  /**
   * A payment this method left unknown, presented again. The chain decides when the seller gave an
   * RPC endpoint for the network. Otherwise, or when the chain cannot tell yet, the facilitator that
   * settled is asked to settle again: that is how x402 facilitators report a settlement they left
   * pending (they wait for the transaction they sent rather than send another). Only its success
   * counts; any other answer leaves the outcome unknown.
   */
  async resolve(proof: FacilitatorProof, envelope: PaymentEnvelope, requirement: RequirementPair, pending: PendingSettlement, nowMs: number): Promise<Resolution> {
    const verdict = await resolveAuthorization(this.check, this.terms.token.address, proof.evm.authorization, pending, nowMs)
    const payment = (transaction: string) => ({ ...verifiedPayment(this.terms, proof.evm, envelope.x402Version), transaction })
    if (verdict.state === 'settled') return { ...verdict, payment: payment(verdict.transaction) }
    if (verdict.state === 'failed') return verdict
    const facilitator = this.facilitators[Number(pending.resume)]
    const request = facilitatorRequest(envelope, requirement)
    if (!facilitator || !request) return verdict
    const reply = await facilitator.settle(request)
    if (reply.kind === 'answer' && reply.response.success && reply.response.transaction) {
      return { state: 'settled', transaction: reply.response.transaction, payment: payment(reply.response.transaction) }
    }
    const said = reply.kind === 'answer' ? (reply.response.errorReason ?? 'no reason') : redactUrls(reply.detail)
    return { state: 'unknown', detail: `${verdict.detail}; ${redactUrl(facilitator.url)} asked again: ${said}` }
  }
}

/** The `/verify` and `/settle` body: the payment as presented, and the requirement in the payer's generation. */
function facilitatorRequest(envelope: PaymentEnvelope, requirement: RequirementPair): FacilitatorRequest | undefined {
  if (envelope.x402Version === 1) {
    if (!requirement.v1) return undefined
    const paymentPayload = { x402Version: 1, scheme: envelope.scheme, network: envelope.network, payload: envelope.payload }
    return { x402Version: 1, paymentPayload, paymentRequirements: requirement.v1 }
  }
  const paymentPayload = { x402Version: 2, accepted: envelope.accepted, payload: envelope.payload }
  return { x402Version: 2, paymentPayload, paymentRequirements: requirement.v2 }
}

function isFacilitator(value: unknown): value is FacilitatorClient {
  const candidate = value as Partial<FacilitatorClient> | null
  return typeof candidate?.verify === 'function' && typeof candidate.settle === 'function' && typeof candidate.supported === 'function'
}
