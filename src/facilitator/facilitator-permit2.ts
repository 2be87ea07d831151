import type { PublicClient } from 'viem'
import { isEvmAddress } from '../config/evm-address.js'
import { lazyPublicClient } from '../chains/evm/lazy-client.js'
import { redactUrl, redactUrls } from '../errors/redact.js'
import { Reason } from '../errors/reasons.js'
import { ChainUnavailableError } from '../errors/tollgate-error.js'
import type { MethodSpec } from '../chains/evm/exact/evm-exact.js'
import { repriceTerms, resolveTerms, withTerms, type EvmExactOptions, type EvmTerms, type MethodContext } from '../chains/evm/exact/evm-terms.js'
import { inspectPermit2 } from '../chains/evm/permit2/inspect-permit2.js'
import type { Permit2Proof } from '../chains/evm/permit2/permit2-proof.js'
import { permit2Requirement } from '../chains/evm/permit2/permit2-requirement.js'
import { loadPermit2 } from '../chains/evm/permit2/load-permit2.js'
import { permit2NonceHex } from '../chains/evm/permit2/permit2-proof.js'
import { EXACT_PROXY_ADDRESS, UPTO_PROXY_ADDRESS } from '../chains/evm/permit2/permit2-constants.js'
import { supportsEip2612, type Permit2Scheme, type Permit2Terms } from '../chains/evm/permit2/permit2-terms.js'
import { checkPermit2Terms, permit2Payment } from '../chains/evm/permit2/permit2-checks.js'
import { parseCharge } from '../chains/evm/upto/upto-charge.js'
import type { ContractCalls } from '../chains/evm/settler/contract-calls.js'
import type { Inspection, PaymentMethod, RequirementPair, ResourceContext, Settlement, Verification } from '../methods/payment-method.js'
import type { TermsChange } from '../gate/dynamic-terms.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { FacilitatorRequest } from './facilitator-wire.js'
import type { FacilitatorClient } from './http-facilitator.js'
import type { SettlementCheck } from './settlement-check.js'
import { knownReason, publicReason, settleThrough } from './settle-through.js'
import { verifyWithFailover } from './verify-failover.js'

export interface FacilitatorPermit2Options extends EvmExactOptions {
  scheme: Permit2Scheme
  facilitators: FacilitatorClient | readonly FacilitatorClient[]
  /** JSON-RPC endpoints by network name or CAIP-2 id, only to resolve a settlement the facilitator left unknown. */
  rpcUrls?: Readonly<Record<string, string>>
}

interface FacilitatorPermit2Proof {
  permit2: Permit2Proof
  envelope: PaymentEnvelope
  verified?: { facilitator: FacilitatorClient; request: FacilitatorRequest }
}

/**
 * Permit2 `exact` and `upto`, verified and settled by remote facilitators. Requirements, inspection
 * and replay keys are the local method's, so every payment is claimed before a facilitator sees it.
 * For upto the facilitator's settling account must be the witness's facilitator: it is read from
 * the facilitator's `/supported` (`kinds[].extra.facilitatorAddress`, else its EVM signer).
 */
export function facilitatorPermit2(options: FacilitatorPermit2Options): MethodSpec {
  return { build: (context) => new FacilitatorPermit2Method(options, context) }
}

class FacilitatorPermit2Method implements PaymentMethod<FacilitatorPermit2Proof> {
  readonly id: string
  readonly scheme: Permit2Scheme
  private readonly terms: EvmTerms & { scheme: Permit2Scheme }
  private readonly facilitators: readonly FacilitatorClient[]
  private readonly check: SettlementCheck | undefined
  /** upto: the facilitator's settling account, once its /supported has answered. */
  private settlerAddress: `0x${string}` | undefined

  constructor(options: FacilitatorPermit2Options, context: MethodContext) {
    const facilitators = Array.isArray(options.facilitators) ? options.facilitators : [options.facilitators]
    this.terms = { ...resolveTerms(options, context, facilitators.length > 0 ? [] : ['facilitators must be one or more httpFacilitator({ url })']), scheme: options.scheme }
    this.scheme = options.scheme
    this.facilitators = facilitators as FacilitatorClient[]
    this.id = `${options.scheme === 'upto' ? 'upto' : 'exact-permit2'}:${this.terms.network.caip2}:${this.terms.token.address.toLowerCase()}`
    const { network } = this.terms
    const rpcUrl = options.rpcUrls?.[network.name] ?? options.rpcUrls?.[network.caip2]
    if (rpcUrl) {
      // viem and the Permit2 reader are imported by the first settlement left unknown, not when the route is built.
      const client = lazyPublicClient(rpcUrl, { timeout: 5_000, retryCount: 1 })
      const read = async <T>(run: (client: PublicClient) => Promise<T>): Promise<T> => {
        try {
          return await run(await client())
        } catch (error) {
          throw new ChainUnavailableError(`chain read failed: ${redactUrls(String(error))}`)
        }
      }
      let check: SettlementCheck | undefined
      this.check = async (token, owner, nonce, transaction) => {
        if (!check) {
          const runtime = await loadPermit2().catch(() => undefined)
          if (!runtime) return { state: 'unknown', detail: 'the Permit2 chain reader did not load' }
          check = runtime.permit2SettlementCheck(read)
        }
        return check(token, owner, nonce, transaction)
      }
    }
    if (options.scheme === 'upto') void this.learnSettler()
  }

  /** Reads the first facilitator's upto settling account (cached by the client); the 402 names it. */
  async learnSettler(): Promise<void> {
    const reply = await this.facilitators[0]?.supported()
    if (!reply?.ok) return
    const kind = reply.value.kinds.find((k) => k.scheme === 'upto' && k.network === this.terms.network.caip2)
    const fromKind = (kind?.extra as { facilitatorAddress?: unknown } | undefined)?.facilitatorAddress
    const signers = (reply.value as { signers?: Record<string, string[]> }).signers
    const candidate = typeof fromKind === 'string' ? fromKind : signers?.['eip155:*']?.[0] ?? signers?.[this.terms.network.caip2]?.[0]
    if (isEvmAddress(candidate)) this.settlerAddress = candidate
  }

  private permit2Terms(): Permit2Terms {
    const settler = this.settlerAddress ?? '0x0000000000000000000000000000000000000000'
    return { ...this.terms, proxy: this.scheme === 'upto' ? UPTO_PROXY_ADDRESS : EXACT_PROXY_ADDRESS, eip2612: supportsEip2612(this.terms.token), chain: undefined as never, calls: { settler } as ContractCalls }
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    return permit2Requirement(this.permit2Terms(), resource, maxTimeoutSeconds)
  }

  priced(change: TermsChange): FacilitatorPermit2Method {
    return withTerms(this, repriceTerms(this.terms, change))
  }

  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<FacilitatorPermit2Proof> {
    const inspection = inspectPermit2(this.terms, envelope, nowMs)
    return inspection.kind === 'match' ? { ...inspection, proof: { permit2: inspection.proof, envelope } } : inspection
  }

  async verify(proof: FacilitatorPermit2Proof, envelope: PaymentEnvelope, nowMs: number, requirement: RequirementPair): Promise<Verification> {
    if (this.scheme === 'upto' && !this.settlerAddress) await this.learnSettler()
    const refused = checkPermit2Terms(this.permit2Terms(), proof.permit2, BigInt(Math.floor(nowMs / 1000)))
    if (refused) return refused
    const request: FacilitatorRequest = { x402Version: 2, paymentPayload: { x402Version: 2, accepted: envelope.accepted, payload: envelope.payload, ...(envelope.extensions !== undefined ? { extensions: envelope.extensions } : {}) }, paymentRequirements: requirement.v2 }
    const verdict = await verifyWithFailover(this.facilitators, request)
    if (verdict.kind === 'unavailable') return { ok: false, status: 503, reason: Reason.facilitatorUnavailable, detail: verdict.detail }
    const { response, facilitator } = verdict
    if (!response.isValid) {
      const said = `${redactUrl(facilitator.url)} said ${response.invalidReason ?? 'no reason'}${response.invalidMessage ? `: ${redactUrls(response.invalidMessage)}` : ''}`
      return { ok: false, status: 402, reason: knownReason(response.invalidReason) ?? Reason.facilitatorRejected, detail: said, ...publicReason(response.invalidReason) }
    }
    proof.verified = { facilitator, request }
    return { ok: true, payment: permit2Payment(this.permit2Terms(), proof.permit2) }
  }

  parseCharge(input: unknown, max: bigint) {
    return parseCharge(input, max, this.terms.token.decimals)
  }

  async settle(proof: FacilitatorPermit2Proof, _requirement: RequirementPair, charge?: bigint): Promise<Settlement> {
    const verified = proof.verified
    if (!verified) throw new Error(`tollgate: settle() of ${this.id} before a facilitator verified it`)
    let request = verified.request
    if (this.scheme === 'upto') {
      const amount = charge ?? proof.permit2.amount
      if (amount === 0n) return { ok: true, transaction: '' }
      // The official upto facilitator settles `paymentRequirements.amount`: the charge.
      request = { ...request, paymentRequirements: { ...(request.paymentRequirements as unknown as Record<string, unknown>), amount: amount.toString() } } as FacilitatorRequest
    }
    const p = proof.permit2
    const shim = { signature: p.signature, authorization: { from: p.owner, to: p.witness.to, value: p.amount, validAfter: p.witness.validAfter, validBefore: p.deadline, nonce: permit2NonceHex(p.nonce) } }
    const settlement = await settleThrough(verified.facilitator, request, shim, this.terms.token.address, this.check)
    return settlement.ok ? settlement : { ...settlement, resume: String(this.facilitators.indexOf(verified.facilitator)) }
  }
}

