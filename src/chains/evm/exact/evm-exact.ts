import type { DynamicTerms, TermsChange } from '../../../gate/dynamic-terms.js'
import type { PaymentEnvelope } from '../../../protocol/read-payment.js'
import type { PendingSettlement } from '../../../settlement/pending-record.js'
import { chainCheckOf, resolveAuthorization } from '../resolve-authorization.js'
import type { Inspection, PaymentMethod, RequirementPair, Resolution, ResourceContext } from '../../../methods/payment-method.js'
import { evmRequirement } from './evm-requirement.js'
import { repriceTerms, resolveTerms, termsId, withTerms, type EvmExactOptions, type MethodContext } from './evm-terms.js'
import { inspectEvmPayment } from './inspect-payment.js'
import { type ChainTerms, type EvmProof, settleAuthorization, verifiedPayment, verifyAuthorization } from './verify-authorization.js'

export type { EvmExactOptions, EvmTerms, MethodContext } from './evm-terms.js'

/** A payment method waiting for its gate's defaults. */
export interface MethodSpec {
  build(context: MethodContext): PaymentMethod
  /** Terms computed per request (dynamic prices); the built method's own are placeholders then. */
  readonly dynamic?: DynamicTerms
}

/** x402 `exact` on an EVM chain: an EIP-3009 `transferWithAuthorization` signed by the buyer. */
export function evmExact(options: EvmExactOptions): MethodSpec {
  return { build: (context) => new EvmExactMethod(options, context) }
}

/** Verifies locally (signature in-process, state from the chain) and settles from the gate's own settler. */
class EvmExactMethod implements PaymentMethod<EvmProof> {
  readonly id: string
  readonly scheme = 'exact'
  private readonly terms: ChainTerms

  constructor(options: EvmExactOptions, context: MethodContext) {
    const missing = context.settler ? [] : ['EVM payments need a settler (e.g. localSettler({ privateKey, rpcUrl }))']
    const terms = resolveTerms(options, context, missing)
    this.terms = { ...terms, chain: context.settler!.connect(terms.network) }
    this.id = termsId(terms)
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    return evmRequirement(this.terms, resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): EvmExactMethod {
    return withTerms(this, repriceTerms(this.terms, change))
  }

  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<EvmProof> {
    return inspectEvmPayment(this.terms, envelope, nowMs)
  }

  verify(proof: EvmProof, envelope: PaymentEnvelope, nowMs: number) {
    return verifyAuthorization(this.terms, proof, envelope.x402Version, nowMs)
  }

  settle(proof: EvmProof) {
    return settleAuthorization(this.terms, proof)
  }

  /** Reads the chain through the settler's own endpoint: the transfer that used the nonce, or proof that none can. */
  async resolve(proof: EvmProof, envelope: PaymentEnvelope, _requirement: RequirementPair, pending: PendingSettlement, nowMs: number): Promise<Resolution> {
    const verdict = await resolveAuthorization(chainCheckOf(this.terms.chain), this.terms.token.address, proof.authorization, pending, nowMs)
    if (verdict.state !== 'settled') return verdict
    return { ...verdict, payment: { ...verifiedPayment(this.terms, proof, envelope.x402Version), transaction: verdict.transaction } }
  }
}
