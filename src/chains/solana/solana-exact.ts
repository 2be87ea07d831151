import type { Address } from '@solana/kit'
import { Reason } from '../../errors/reasons.js'
import type { TermsChange } from '../../gate/dynamic-terms.js'
import type { Inspection, PaymentMethod, RequirementPair, Resolution, ResourceContext, Settlement, Verification, VerifiedPayment } from '../../methods/payment-method.js'
import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import type { PendingSettlement } from '../../settlement/pending-record.js'
import { ChainUnavailableError } from '../../errors/tollgate-error.js'
import { simulate, type SolanaChain } from './solana-chain.js'
import { inspectSolanaPayment, payerOf } from './inspect-payment.js'
import { resolveSignature } from './resolve-signature.js'
import { settleTransaction } from './settle-transaction.js'
import { solanaRequirement } from './solana-requirement.js'
import { repriceSolanaTerms, solanaTermsId, type SolanaTerms } from './solana-terms.js'
import { associatedTokenAddress } from './token-account.js'
import { checkPaymentTransaction } from './transaction-checks.js'
import type { PaymentTransaction } from './wire-transaction.js'

/**
 * x402 `exact` on Solana, verified locally and settled by the seller's own fee payer: the buyer
 * signs a TransferChecked to the seller's token account, the seller co-signs as fee payer and sends.
 */
export class SolanaExactMethod implements PaymentMethod<PaymentTransaction> {
  readonly id: string
  readonly scheme = 'exact'

  constructor(
    private readonly terms: SolanaTerms,
    private readonly chain: SolanaChain,
  ) {
    this.id = solanaTermsId(terms)
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    return solanaRequirement(this.terms, this.chain.feePayer.address, this.chain.hints.peek(), resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): SolanaExactMethod {
    return new SolanaExactMethod(repriceSolanaTerms(this.terms, change), this.chain)
  }

  inspect(envelope: PaymentEnvelope): Inspection<PaymentTransaction> {
    return inspectSolanaPayment(this.terms, envelope)
  }

  async verify(tx: PaymentTransaction, envelope: PaymentEnvelope): Promise<Verification> {
    const { payTo, mint } = this.terms
    const checked = await checkPaymentTransaction(tx, this.terms, this.chain.feePayer.address, (program) => associatedTokenAddress(payTo, mint, program), this.chain.caps)
    if (!checked.ok) return { ok: false, status: 402, reason: checked.reason, detail: checked.detail, publicDetail: checked.detail }
    // A ChainUnavailableError propagates: the gate answers 503 and releases the claim.
    const simulation = await simulate(this.chain, tx.wire)
    if (!simulation.ok) {
      const publicDetail = simulation.expired ? "the transaction's blockhash has expired; sign a new payment" : 'the transfer would fail on chain (balance, token account or blockhash)'
      return { ok: false, status: 402, reason: Reason.svmSimulationFailed, detail: simulation.detail, publicDetail }
    }
    return { ok: true, payment: this.payment(envelope, checked.payer) }
  }

  settle(tx: PaymentTransaction): Promise<Settlement> {
    return settleTransaction(this.chain, tx)
  }

  async resolve(tx: PaymentTransaction, envelope: PaymentEnvelope, _requirement: RequirementPair, pending: PendingSettlement): Promise<Resolution> {
    const verdict = await resolveSignature(this.chain, tx, pending.resume).catch((error: unknown) => {
      if (error instanceof ChainUnavailableError) return { state: 'unknown' as const, detail: error.message }
      throw error
    })
    if (verdict.state !== 'settled') return verdict
    return { ...verdict, payment: { ...this.payment(envelope, payerOf(tx)), transaction: verdict.transaction } }
  }

  private payment(envelope: PaymentEnvelope, payer: Address): VerifiedPayment {
    const { network, mint, amount, payTo } = this.terms
    return { x402Version: envelope.x402Version, scheme: 'exact', network: network.caip2, networkName: network.name, asset: mint, amount: amount.toString(), payTo, payer }
  }
}
