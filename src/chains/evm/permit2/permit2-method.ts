import { Reason } from '../../../errors/reasons.js'
import type { TermsChange } from '../../../gate/dynamic-terms.js'
import type { PaymentEnvelope } from '../../../protocol/read-payment.js'
import type { PendingSettlement } from '../../../settlement/pending-record.js'
import type { Inspection, PaymentMethod, RequirementPair, Resolution, ResourceContext, Settlement, Verification } from '../../../methods/payment-method.js'
import type { MethodSpec } from '../exact/evm-exact.js'
import { repriceTerms, resolveTerms, withTerms, type EvmExactOptions, type MethodContext } from '../exact/evm-terms.js'
import { resolveAuthorization } from '../resolve-authorization.js'
import { inspectPermit2 } from './inspect-permit2.js'
import type { Permit2Proof } from './permit2-proof.js'
import { permit2Requirement } from './permit2-requirement.js'
import { loadPermit2 } from './load-permit2.js'
import { permit2NonceHex } from './permit2-proof.js'
import { permit2Terms, permit2TermsId, type Permit2Scheme, type Permit2Terms } from './permit2-terms.js'
import { permit2Payment } from './permit2-checks.js'
import { parseCharge } from '../upto/upto-charge.js'

/** x402 `exact` paid through Permit2 and the x402 exact proxy (assetTransferMethod "permit2"), verified and settled locally. */
export function evmPermit2(options: EvmExactOptions): MethodSpec {
  return { build: (context) => new Permit2Method(options, context, 'exact') }
}

/**
 * Verifies locally and settles from the gate's own settler through an x402 Permit2 proxy. One class
 * for `exact` and `upto`: they differ in the proxy, the witness and the amount settled.
 */
export class Permit2Method implements PaymentMethod<Permit2Proof> {
  readonly id: string
  readonly scheme: Permit2Scheme
  private readonly terms: Permit2Terms

  constructor(options: EvmExactOptions, context: MethodContext, scheme: Permit2Scheme) {
    const missing = context.settler ? [] : [`${scheme === 'upto' ? 'upto' : 'Permit2'} payments need a settler (e.g. localSettler({ privateKey, rpcUrl }))`]
    const terms = resolveTerms(options, context, missing)
    this.terms = permit2Terms(terms, scheme, context.settler!.connect(terms.network))
    this.scheme = scheme
    this.id = permit2TermsId(this.terms)
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    return permit2Requirement(this.terms, resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): Permit2Method {
    return withTerms(this, repriceTerms(this.terms, change))
  }

  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<Permit2Proof> {
    return inspectPermit2(this.terms, envelope, nowMs)
  }

  async verify(proof: Permit2Proof, _envelope: PaymentEnvelope, nowMs: number): Promise<Verification> {
    return (await loadPermit2()).verifyPermit2(this.terms, proof, nowMs)
  }

  /** `charge`: what upto settles (at most the signed maximum; 0 sends nothing). Exact moves the permitted amount. */
  async settle(proof: Permit2Proof, _requirement: RequirementPair, charge?: bigint): Promise<Settlement> {
    const { settlePermit2 } = await loadPermit2()
    if (this.scheme === 'exact') return settlePermit2(this.terms, proof, proof.amount)
    const amount = charge ?? proof.amount
    if (amount > proof.amount) return { ok: false, status: 402, reason: Reason.uptoSettlementExceedsAmount, detail: `charge ${amount} exceeds the signed maximum ${proof.amount}`, broadcast: false }
    if (amount === 0n) return { ok: true, transaction: '' }
    return settlePermit2(this.terms, proof, amount)
  }

  parseCharge(input: unknown, max: bigint) {
    return parseCharge(input, max, this.terms.token.decimals)
  }

  /** Reads the Permit2 nonce bitmap through the settler's endpoint: the transfer that used the nonce, or proof none can. */
  async resolve(proof: Permit2Proof, _envelope: PaymentEnvelope, _requirement: RequirementPair, pending: PendingSettlement, nowMs: number): Promise<Resolution> {
    const { calls, token } = this.terms
    const state = (await loadPermit2()).permit2SettlementCheck(calls.read)
    const check = (asset: typeof token.address, from: typeof proof.owner, nonce: `0x${string}`, transaction?: `0x${string}`) => calls.check(state, asset, from, nonce, transaction)
    const authorization = { from: proof.owner, to: proof.witness.to, value: proof.amount, validAfter: proof.witness.validAfter, validBefore: proof.deadline, nonce: permit2NonceHex(proof.nonce) }
    const verdict = await resolveAuthorization(check, token.address, authorization, pending, nowMs)
    if (verdict.state !== 'settled') return verdict
    return { ...verdict, payment: { ...permit2Payment(this.terms, proof), transaction: verdict.transaction } }
  }
}
