import { Reason } from '../../errors/reasons.js'
import { redactUrls } from '../../errors/redact.js'
import { ConfigurationError } from '../../errors/tollgate-error.js'
import type { FacilitatorRequest, SupportedResponse } from '../../facilitator/facilitator-wire.js'
import type { FacilitatorClient } from '../../facilitator/http-facilitator.js'
import { knownReason, publicReason, SETTLEMENT_PENDING } from '../../facilitator/settle-through.js'
import { verifyWithFailover } from '../../facilitator/verify-failover.js'
import type { TermsChange } from '../../gate/dynamic-terms.js'
import type { Logger } from '../../logger.js'
import type { Inspection, PaymentMethod, RequirementPair, Resolution, ResourceContext, Settlement, Verification, VerifiedPayment } from '../../methods/payment-method.js'
import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import type { PendingSettlement } from '../../settlement/pending-record.js'
import { inspectSolanaPayment, payerOf } from './inspect-payment.js'
import type { SolanaFamily } from './solana-family.js'
import { solanaRequirement } from './solana-requirement.js'
import { repriceSolanaTerms, resolveSolanaTerms, solanaTermsId, type SolanaExactSpec, type SolanaTerms } from './solana-terms.js'
import type { PaymentTransaction } from './wire-transaction.js'

/** Solana payments verified and settled by remote facilitators that sponsor the fees. */
export interface SolanaFacilitator extends SolanaFamily {
  /** Reads `/supported` and finds the fee payer of each cluster the routes use; challenges name it as `extra.feePayer`. */
  ready(): Promise<{ ok: boolean; problems: string[] }>
}

/**
 * Solana through x402 facilitators (`httpFacilitator({ url })`, several for failover): the fee payer
 * is the facilitator's (`extra.feePayer` of its `/supported` kind), read at start. The payment is still
 * decoded and claimed in the seller's store before the facilitator sees it, so one payment is
 * verified and settled once however many instances and facilitators there are.
 */
export function solanaFacilitator(facilitator: FacilitatorClient | readonly FacilitatorClient[]): SolanaFacilitator {
  const clients = [facilitator].flat() as FacilitatorClient[]
  if (clients.length === 0 || !clients.every((c) => c && typeof c.verify === 'function' && typeof c.settle === 'function')) {
    throw new ConfigurationError(['solanaFacilitator needs httpFacilitator({ url }) or a non-empty list of them'])
  }
  const feePayers = new Map<string, string>()
  const networks = new Set<string>()
  const learn = async (): Promise<string[]> => {
    const problems: string[] = []
    for (const network of networks) {
      if (feePayers.has(network)) continue
      for (const client of clients) {
        const supported = await client.supported()
        const payer = supported.ok ? feePayerIn(supported.value, network) : undefined
        if (payer) {
          feePayers.set(network, payer)
          break
        }
      }
      if (!feePayers.has(network)) problems.push(`no facilitator lists a fee payer for ${network} in /supported`)
    }
    return problems
  }
  return {
    family: 'solana',
    async ready() {
      const problems = await learn()
      return { ok: problems.length === 0, problems }
    },
    exact(spec: SolanaExactSpec, context: { logger: Logger }): PaymentMethod {
      const terms = resolveSolanaTerms(spec)
      networks.add(terms.network.caip2)
      void learn().then((problems) => problems.length > 0 && context.logger.warn?.('tollgate: Solana facilitator not ready', { problems }))
      return new FacilitatedSolanaMethod(terms, clients, feePayers)
    },
  }
}

function feePayerIn(supported: SupportedResponse, network: string): string | undefined {
  const kind = supported.kinds.find((k) => k.scheme === 'exact' && k.network === network && k.x402Version === 2)
  const payer = (kind?.extra as { feePayer?: unknown } | undefined)?.feePayer
  return typeof payer === 'string' ? payer : undefined
}

/** What verification learnt, for settlement: which facilitator said yes, and the request it was asked. */
interface Asked {
  facilitator: FacilitatorClient
  request: FacilitatorRequest
}

class FacilitatedSolanaMethod implements PaymentMethod<PaymentTransaction> {
  readonly id: string
  readonly scheme = 'exact'
  private readonly asked = new WeakMap<PaymentTransaction, Asked>()

  constructor(
    private readonly terms: SolanaTerms,
    private readonly clients: readonly FacilitatorClient[],
    private readonly feePayers: ReadonlyMap<string, string>,
  ) {
    this.id = `${solanaTermsId(terms)}:facilitator`
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    const feePayer = this.feePayers.get(this.terms.network.caip2) ?? ''
    return solanaRequirement(this.terms, feePayer as never, undefined, resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): FacilitatedSolanaMethod {
    return new FacilitatedSolanaMethod(repriceSolanaTerms(this.terms, change), this.clients, this.feePayers)
  }

  inspect(envelope: PaymentEnvelope): Inspection<PaymentTransaction> {
    return inspectSolanaPayment(this.terms, envelope)
  }

  async verify(tx: PaymentTransaction, envelope: PaymentEnvelope, _now: number, requirement: RequirementPair): Promise<Verification> {
    const request = requestOf(envelope, requirement)
    const verdict = await verifyWithFailover(this.clients, request)
    if (verdict.kind === 'unavailable') return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: verdict.detail }
    const { response, facilitator } = verdict
    if (!response.isValid) {
      const reason = knownReason(response.invalidReason) ?? Reason.facilitatorRejected
      return { ok: false, status: 402, reason, detail: redactUrls(`${facilitator.url}: ${response.invalidReason ?? ''} ${response.invalidMessage ?? ''}`), ...publicReason(response.invalidReason) }
    }
    this.asked.set(tx, { facilitator, request })
    return { ok: true, payment: this.payment(envelope, response.payer ?? payerOf(tx)) }
  }

  async settle(tx: PaymentTransaction, requirement: RequirementPair): Promise<Settlement> {
    const asked = this.asked.get(tx)
    if (!asked) return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: 'settle before verify', broadcast: false }
    const resume = JSON.stringify({ facilitator: asked.facilitator.url })
    const reply = await asked.facilitator.settle(asked.request)
    if (reply.kind === 'refused') return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: reply.detail, broadcast: false }
    if (reply.kind === 'unknown') return { ok: false, status: 503, reason: Reason.settlementUnknown, detail: reply.detail, broadcast: true, resume }
    const response = reply.response
    if (response.success) return { ok: true, transaction: response.transaction }
    if (response.errorReason === SETTLEMENT_PENDING) {
      return { ok: false, status: 503, reason: Reason.settlementUnknown, detail: `${asked.facilitator.url}: settlement pending`, broadcast: true, resume, ...(response.transaction ? { transaction: response.transaction } : {}) }
    }
    void requirement
    // The facilitator says it failed and gave a verdict: nothing was charged (its own truth rules).
    const reason = knownReason(response.errorReason) ?? Reason.facilitatorRejected
    return { ok: false, status: 402, reason, detail: redactUrls(`${asked.facilitator.url}: ${response.errorReason ?? ''}`), broadcast: false, ...publicReason(response.errorReason) }
  }

  /** Asks the facilitator that settled to settle again: the protocol's way to learn a pending outcome. */
  async resolve(tx: PaymentTransaction, envelope: PaymentEnvelope, requirement: RequirementPair, pending: PendingSettlement): Promise<Resolution> {
    const url = pending.resume ? (JSON.parse(pending.resume) as { facilitator?: string }).facilitator : undefined
    const facilitator = this.clients.find((c) => c.url === url) ?? this.clients[0]!
    const reply = await facilitator.settle(requestOf(envelope, requirement))
    if (reply.kind !== 'answer') return { state: 'unknown', detail: reply.detail }
    const { response } = reply
    if (response.success) return { state: 'settled', transaction: response.transaction, payment: { ...this.payment(envelope, payerOf(tx)), transaction: response.transaction } }
    return { state: 'unknown', detail: `${facilitator.url}: ${response.errorReason ?? 'no outcome yet'}` }
  }

  private payment(envelope: PaymentEnvelope, payer: string): VerifiedPayment {
    const { network, mint, amount, payTo } = this.terms
    return { x402Version: envelope.x402Version, scheme: 'exact', network: network.caip2, networkName: network.name, asset: mint, amount: amount.toString(), payTo, payer }
  }
}

/** The facilitator API body for this payment, in the payer's generation. */
function requestOf(envelope: PaymentEnvelope, requirement: RequirementPair): FacilitatorRequest {
  if (envelope.x402Version === 1) {
    return { x402Version: 1, paymentPayload: { x402Version: 1, scheme: envelope.scheme, network: envelope.network, payload: envelope.payload }, paymentRequirements: requirement.v1 ?? requirement.v2 }
  }
  return { x402Version: 2, paymentPayload: { x402Version: 2, accepted: envelope.accepted, payload: envelope.payload }, paymentRequirements: requirement.v2 }
}
