import type { ReasonCode } from '../errors/reasons.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { RequirementV1, RequirementV2, X402Version } from '../protocol/wire-types.js'
import type { PendingSettlement } from '../settlement/pending-record.js'
import type { Verdict } from '../chains/evm/resolve-authorization.js'
import type { TermsChange } from '../gate/dynamic-terms.js'

/** What a challenge needs to describe the resource being sold. */
export interface ResourceContext {
  url: string
  description: string
  mimeType: string
}

/** One entry of `accepts`, in both generations; `v1` is absent when v1 clients cannot use it. */
export interface RequirementPair {
  v1?: RequirementV1
  v2: RequirementV2
  /** Extensions this option declares in a v2 402 (`PaymentRequired.extensions`), e.g. eip2612GasSponsoring. */
  extensions?: Record<string, unknown>
}

/** The outcome of asking a method whether a payment is for it. */
export type Inspection<Proof> =
  /** Another scheme or network: ask the next method. */
  | { kind: 'not-mine' }
  /** This method's scheme and network, but it pays for something else (asset, recipient or amount). */
  | { kind: 'mismatch'; reason: ReasonCode; detail: string }
  /** This method's scheme and network, but the proof is malformed. */
  | { kind: 'malformed'; detail: string }
  | { kind: 'match'; proof: Proof; replayKeys: string[]; replayTtlMs: number }

/** A payment that passed verification: what the handler sees as `req.payment`. */
export interface VerifiedPayment {
  /** The x402 generation that paid; absent for a prepaid call. */
  x402Version?: X402Version
  /** 'exact' for an on-chain payment, 'prepaid' for a call on a prepaid credential. */
  scheme: string
  /** CAIP-2 id, e.g. 'eip155:84532'. */
  network: string
  /** The seller's name for the network, e.g. 'base-sepolia'. */
  networkName: string
  asset: string
  /** Atomic units, as a decimal string. */
  amount: string
  payTo: string
  payer: string
  /** Set once settled: the settlement transaction. */
  transaction?: string
  /** For a prepaid call: the credential it was taken from and what is left on it. */
  prepaid?: PrepaidUse
  /** upto: the most this request may cost, in atomic units (what the buyer signed); `amount` becomes the charge once settled. */
  max?: string
  /**
   * upto only: what this request costs, set by the handler before it answers: atomic units (a bigint
   * or `'1234567'`), dollars (`'$0.05'`) or a percentage of `max` (`'50%'`). 0 sends no transaction.
   * Not called: the whole `max` is charged (as the official middleware does). Above `max` or
   * malformed: a programming error; nothing is charged and the answer is replaced by a 500.
   */
  charge?(amount: bigint | string): void
}

export interface PrepaidUse {
  credentialId: string
  package: string
  /** Calls left after this one. */
  remaining: number
  expiresAt: string
}

export type Verification =
  | { ok: true; payment: VerifiedPayment }
  /**
   * `detail` goes to the seller's log only (it may hold RPC URLs or upstream text); `publicDetail`,
   * when set, is shown to the buyer and must be built from the buyer's own proof alone.
   */
  | {
      ok: false
      status: 402 | 403 | 503
      reason: ReasonCode
      detail: string
      publicDetail?: string
      /**
       * The chain proves this proof can never pay the route, and nothing on chain would refuse it
       * again (a pushed transaction): its claim is kept instead of released.
       */
      keepClaim?: boolean
      /** Answered as Retry-After: when presenting the same proof again may succeed (an unconfirmed transaction). */
      retryAfterSeconds?: number
    }

export type Settlement =
  | { ok: true; transaction: string }
  /**
   * `broadcast` says whether a transaction may have reached the chain: only when it is false may
   * the payment's claim be released for another try.
   */
  | {
      ok: false
      status: 402 | 500 | 502 | 503
      reason: ReasonCode
      detail: string
      publicDetail?: string
      broadcast: boolean
      transaction?: string
      /** For an unknown outcome: what the method needs to resolve it later (kept in the seller's store, never shown). */
      resume?: string
    }

/**
 * What a method finds when a payment whose settlement was left unknown comes back: settled (the
 * buyer is served without a second charge), provably never charged, or still unknown.
 */
export type Resolution = Exclude<Verdict, { state: 'settled' }> | { state: 'settled'; transaction: string; payment: VerifiedPayment }

/** One way to pay for a route. The engine asks each in order; the first match takes the payment. */
export interface PaymentMethod<Proof = unknown> {
  /** e.g. 'exact:eip155:84532:0x036c…' */
  readonly id: string
  /** The x402 scheme this method speaks, e.g. 'exact'. */
  readonly scheme: string
  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair
  /**
   * This method with the amount and/or payee a route computed for one request (dynamic prices).
   * Throws a ConfigurationError when a value is not a price of this token or not an address.
   * Methods without it cannot take dynamic terms.
   */
  priced?(change: TermsChange): PaymentMethod<Proof>
  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<Proof>
  /**
   * `requirement` is this method's entry of the route's `accepts`; the gate always passes it, and a
   * method that verifies remotely (a facilitator) needs it. Local methods may ignore it.
   */
  verify(proof: Proof, envelope: PaymentEnvelope, nowMs: number, requirement: RequirementPair): Promise<Verification>
  /** `charge`: for schemes whose amount is known only after the handler (upto), what to settle. */
  settle(proof: Proof, requirement: RequirementPair, charge?: bigint): Promise<Settlement>
  /** Methods whose charge is set by the handler (upto): the charge in atomic units, or why the input is not one. */
  parseCharge?(input: unknown, max: bigint): { ok: true; amount: bigint } | { ok: false; problem: string }
  /**
   * Resolves a settlement this method left unknown, when the same payment is presented again.
   * Read-only unless the method's protocol says asking again is how to learn the outcome (a
   * facilitator's settlement_pending). Methods without it leave such payments claimed (409).
   */
  resolve?(proof: Proof, envelope: PaymentEnvelope, requirement: RequirementPair, pending: PendingSettlement, nowMs: number): Promise<Resolution>
  /**
   * What becomes of a settled payment's claim: 'shorten' (default) when the chain itself refuses the
   * proof again (a used EIP-3009 nonce), 'keep' when only the claim remembers it (a pushed transaction).
   */
  readonly settledClaim?: 'shorten' | 'keep'
  /**
   * For a method outside x402's `accepts` (a payment pushed on chain first): its challenge for the
   * 402's WWW-Authenticate header. Such methods are left out of `accepts` and the discovery listing.
   */
  wwwAuthenticate?(): string
}
